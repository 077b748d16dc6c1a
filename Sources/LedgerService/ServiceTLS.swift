import Foundation
import HummingbirdCore
import HummingbirdTLS
import NIOSSL

/// The service's TLS listener: a PEM certificate chain (leaf first) and its PEM private key.
/// Everything a handshake needs is checked at start-up; the key's content never appears in an error.
public struct ServiceTLS: Sendable {
    let configuration: TLSConfiguration

    /// Loads the certificate chain and key.
    public static func load(certificatePath: String, keyPath: String) throws(ServiceSetupError) -> ServiceTLS {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw .configuration("unusable --tls-cert \(certificatePath): \(reason(certificatePath, "it holds no PEM certificate"))")
        }
        guard !chain.isEmpty else { throw .configuration("unusable --tls-cert \(certificatePath): it holds no PEM certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw .configuration("unusable --tls-key \(keyPath): \(reason(keyPath, "it holds no PEM private key"))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw .configuration("unusable --tls-key \(keyPath): it is not the private key of the certificate in \(certificatePath)")
        }
        return ServiceTLS(configuration: configuration)
    }

    static func serverBuilder(_ tls: ServiceTLS?) throws(ServiceSetupError) -> HTTPServerBuilder {
        guard let tls else { return .http1() }
        do {
            return try .tls(.http1(), tlsConfiguration: tls.configuration)
        } catch {
            throw .configuration("TLS: \(error)")
        }
    }

    private static func reason(_ path: String, _ fallback: String) -> String {
        FileManager.default.isReadableFile(atPath: path) ? fallback : "it does not exist or cannot be read"
    }
}
