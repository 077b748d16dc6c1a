import Foundation
import HummingbirdCore
import HummingbirdTLS
import NIOSSL

/// The simulator's optional TLS listener: a certificate chain and its private key, both PEM files
/// the caller provides (tests make a throwaway CA; nothing is generated here).
///
/// Loading checks everything a handshake would need (the files parse, the key belongs to the
/// certificate), so a bad pair is refused before the server starts. The key's content never
/// appears in an error.
public struct SimulatorTLS: Sendable {
    /// The server-side TLS configuration (TLS 1.2 or newer, no client certificates asked for).
    let configuration: TLSConfiguration

    /// Loads a PEM certificate chain (leaf first) and its PEM private key.
    /// - Throws: ``SimulatorTLSError``.
    public static func load(certificatePath: String, keyPath: String) throws(SimulatorTLSError) -> SimulatorTLS {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw .certificateUnusable(path: certificatePath, reason: Self.reason(path: certificatePath, fallback: "it holds no PEM certificate"))
        }
        guard !chain.isEmpty else {
            throw .certificateUnusable(path: certificatePath, reason: "it holds no PEM certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw .keyUnusable(path: keyPath, reason: Self.reason(path: keyPath, fallback: "it holds no PEM private key"))
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            // Builds the context once now: a key that does not belong to the certificate fails here.
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw .keyUnusable(path: keyPath, reason: "it is not the private key of the certificate in \(certificatePath)")
        }
        return SimulatorTLS(configuration: configuration)
    }

    /// The server builder for `tls`: plain HTTP/1.1 when nil, HTTP/1.1 over TLS otherwise.
    /// - Throws: ``SimulatorError/serverFailedToStart(_:)``.
    static func serverBuilder(_ tls: SimulatorTLS?) throws(SimulatorError) -> HTTPServerBuilder {
        guard let tls else { return .http1() }
        do {
            return try .tls(.http1(), tlsConfiguration: tls.configuration)
        } catch {
            throw .serverFailedToStart("TLS: \(error)")
        }
    }

    private static func reason(path: String, fallback: String) -> String {
        FileManager.default.isReadableFile(atPath: path) ? fallback : "it does not exist or cannot be read"
    }
}

/// Why a TLS certificate or key cannot be used by the simulator.
public enum SimulatorTLSError: LocalizedError, Equatable, Sendable {
    /// The certificate file is missing, unreadable or holds no PEM certificate.
    case certificateUnusable(path: String, reason: String)
    /// The key file is missing, unreadable, holds no PEM private key, or does not match the certificate.
    case keyUnusable(path: String, reason: String)

    /// A one-line description (never the key's content).
    public var errorDescription: String? {
        switch self {
        case .certificateUnusable(let path, let reason): "unusable --tls-cert \(path): \(reason)"
        case .keyUnusable(let path, let reason): "unusable --tls-key \(path): \(reason)"
        }
    }
}
