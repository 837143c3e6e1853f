import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A real HTTP server on a free port that records what it receives and answers as scripted
/// (the next requests with these statuses, or slowly): the peer the webhook worker talks to.
public final class WebhookReceiver: Sendable {
    public struct Received: Sendable {
        public var eventId: String
        public var kind: String
        public var timestamp: String
        public var signature: String
        public var body: Data
        public var at: Date
        public var answered: Int
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    struct State {
        var received: [Received] = []
        var script: [Int] = []
        var delay: Duration = .zero
        var raw: String? = nil
    }

    private let state = NIOLockedValueBox(State())
    private let portBox = NIOLockedValueBox(0)
    public var port: Int { portBox.withLockedValue { $0 } }
    public var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Answers the next requests with these statuses (then 200 again).
    public func script(_ statuses: [Int]) { state.withLockedValue { $0.script = statuses } }
    /// Waits this long before answering each request.
    public func delay(_ d: Duration) { state.withLockedValue { $0.delay = d } }
    public var received: [Received] { state.withLockedValue { $0.received } }
    public var accepted: [Received] { received.filter { (200..<300).contains($0.answered) } }

    /// Waits until `count` deliveries were answered 2xx (or the timeout passes); answers whether they were.
    public func waitForAccepted(_ count: Int, timeout: Duration = .seconds(10)) async -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if accepted.count >= count { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return accepted.count >= count
    }

    public static func with<R: Sendable>(_ body: @Sendable (WebhookReceiver) async throws -> R) async throws -> R {
        let receiver = WebhookReceiver()
        let router = Router()
        router.post("**") { request, _ -> Response in
            let data = Data(buffer: try await request.body.collect(upTo: 4 << 20))
            let (status, delay) = receiver.state.withLockedValue { s -> (Int, Duration) in
                let st = s.script.isEmpty ? 200 : s.script.removeFirst()
                return (st, s.delay)
            }
            if delay > .zero { try? await Task.sleep(for: delay) }
            let h = request.headers
            let r = Received(eventId: h[HTTPField.Name("Hotline-Event-Id")!] ?? "", kind: h[HTTPField.Name("Hotline-Event-Kind")!] ?? "",
                             timestamp: h[HTTPField.Name("Hotline-Timestamp")!] ?? "", signature: h[HTTPField.Name("Hotline-Signature")!] ?? "",
                             body: data, at: Date(), answered: status)
            receiver.state.withLockedValue { $0.received.append(r) }
            if (300..<400).contains(status) {
                return Response(status: HTTPResponse.Status(code: status), headers: [.location: "http://127.0.0.1:1/elsewhere"])
            }
            return Response(status: HTTPResponse.Status(code: status), body: .init(byteBuffer: ByteBuffer(string: "<html>garbage")))
        }
        var logger = Logger(label: "receiver")
        logger.logLevel = .critical
        let started = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in started.continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let task = Task { try await app.run() }
        var it = started.stream.makeAsyncIterator()
        let port = await it.next() ?? 0
        receiver.portBox.withLockedValue { $0 = port }
        do {
            let r = try await body(receiver)
            task.cancel()
            _ = try? await task.value
            return r
        } catch {
            task.cancel()
            _ = try? await task.value
            throw error
        }
    }
}
