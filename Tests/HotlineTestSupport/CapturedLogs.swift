import Logging
import NIOConcurrencyHelpers

/// Collects every log line (message and metadata) so tests can check what is, and is not, logged.
public final class CapturedLogs: Sendable {
    private let lines = NIOLockedValueBox<[String]>([])
    public init() {}

    public var all: [String] { lines.withLockedValue { $0 } }

    public func logger(_ label: String = "captured") -> Logger {
        var l = Logger(label: label) { _ in Handler(sink: self) }
        l.logLevel = .trace
        return l
    }

    func append(_ s: String) { lines.withLockedValue { $0.append(s) } }

    struct Handler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            sink.append("\(event.level) \(event.message) \(merged.map { "\($0)=\($1)" }.sorted().joined(separator: " "))")
        }
    }
}
