import Foundation
import NIOSSL

/// TLS details of the client: loading an extra CA file, and explaining a failed handshake.
enum EPATLS {
    /// Reads the PEM certificates of `path` (a regular file of at most ``EPAConfiguration/caFileLimit`` bytes
    /// holding at least one certificate).
    /// - Throws: ``EPAError/invalidConfiguration(reason:)`` naming the file and the problem.
    static func loadCAFile(_ path: String) throws(EPAError) -> [NIOSSLCertificate] {
        let shown = "CA file \"\(EPAError.displayEscaped(path))\""
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw .invalidConfiguration(reason: "\(shown) does not exist or cannot be examined")
        }
        guard (attributes[.type] as? FileAttributeType) == .typeRegular else {
            throw .invalidConfiguration(reason: "\(shown) is not a regular file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .invalidConfiguration(reason: "\(shown) cannot be opened for reading")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: EPAConfiguration.caFileLimit + 1) ?? Data()
        } catch {
            throw .invalidConfiguration(reason: "\(shown) cannot be read")
        }
        guard data.count <= EPAConfiguration.caFileLimit else {
            throw .invalidConfiguration(reason: "\(shown) is larger than \(EPAConfiguration.caFileLimit) bytes")
        }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(Array(data))
        } catch {
            throw .invalidConfiguration(
                reason: "\(shown) is not a PEM file of certificates (-----BEGIN CERTIFICATE----- blocks)")
        }
        guard !certificates.isEmpty else {
            throw .invalidConfiguration(reason: "\(shown) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        return certificates
    }

    /// A clear explanation when `error` is a TLS failure (before any request byte was sent), else nil.
    static func describeHandshakeFailure(_ error: any Error) -> String? {
        if let error = error as? NIOSSLExtraError {
            if error == .failedToValidateHostname {
                // The description ends with NIOSSL's "Couldn't find HOST in certificate from peer".
                let text = String(describing: error)
                let detail = text.range(of: ": ").map { String(text[$0.upperBound...]) } ?? text
                return "TLS handshake failed: host-name mismatch - the server's certificate is not valid for the host "
                    + "in the base URL (\(EPAError.displayEscaped(detail))) - nothing was sent"
            }
            return "TLS failed: \(EPAError.displayEscaped(String(describing: error))) - nothing was sent"
        }
        if let error = error as? NIOSSLError {
            let text = EPAError.displayEscaped(String(describing: error), limit: 400)
            if case .handshakeFailed = error, text.contains("CERTIFICATE_VERIFY_FAILED") {
                return "TLS handshake failed: the server's certificate was not accepted (CERTIFICATE_VERIFY_FAILED): "
                    + "it has expired or is not yet valid, or it is not issued by a CA this client trusts "
                    + "(the system roots, plus --ca-file / EPA_CA_FILE when given) - nothing was sent; "
                    + "`openssl s_client -connect HOST:PORT -CAfile FILE` shows which"
            }
            return "TLS handshake failed: \(text) - nothing was sent"
        }
        return nil
    }
}
