import Hummingbird
import NIOCore

/// Request context that keeps the connection's channel, so a fault can close it without answering.
struct SimulatorContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// Training-data uploads may be large.
    var maxUploadSize: Int { 512 * 1024 * 1024 }
}

/// Thrown by a handler to drop the connection (`drop_connection`): ``RecordingMiddleware`` records the
/// request with status 0, closes the channel, and rethrows, so nothing is ever written.
struct ConnectionDropped: Error {}
