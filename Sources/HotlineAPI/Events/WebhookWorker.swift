import AsyncHTTPClient
import Crypto
import Foundation
import HotlineCore
import HotlineStore
import Logging
import NIOCore
import ServiceLifecycle

/// The delivery worker inside `serve` (every instance may run one): takes events off the
/// outbox, then claims due deliveries with a lease (FOR UPDATE SKIP LOCKED; nobody else tries
/// one until its lease runs out) and POSTs them, signed. Nothing is held only in memory: a
/// delivery cut off by a crash is tried again when its lease expires. A transition never waits
/// for a receiver.
public struct WebhookWorker: Sendable {
    public let s: Services
    let http: HTTPClient
    public let batch: Int
    /// Longer than the request timeout, so a lease cannot run out while its attempt is in flight.
    public let lease: TimeInterval
    public let retryDelays: [TimeInterval]
    /// A 2xx within this many seconds is delivered (API.md: 10 s).
    public let requestTimeout: Int64

    public init(_ s: Services, batch: Int = 64, lease: TimeInterval = 60, retryDelays: [TimeInterval] = RetrySchedule.delays,
                requestTimeout: Int64 = 10) {
        self.s = s
        self.requestTimeout = requestTimeout
        self.batch = batch
        self.lease = lease
        self.retryDelays = retryDelays
        var config = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                              timeout: .init(connect: .seconds(5), read: .seconds(requestTimeout)))
        config.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    public func shutdown() async { try? await http.shutdown() }

    /// One pass: the outbox fanned out, then one batch of due deliveries attempted. Answers the attempts made.
    @discardableResult
    public func runOnce() async throws -> Int {
        while try await s.outbox.fanOut() >= OutboxStore.fanOutBatch, !Task.isCancelled {}
        let claimed = try await s.outbox.claim(limit: batch, lease: lease)
        guard !claimed.isEmpty else { return 0 }
        let box = try await s.secrets.box()
        let renderer = try await DeliveryRenderer.load(s, for: claimed)
        await withTaskGroup(of: Void.self) { group in
            for c in claimed {
                group.addTask { await attempt(c, box: box, renderer: renderer) }
            }
        }
        return claimed.count
    }

    func attempt(_ c: OutboxStore.Claimed, box: SecretBox, renderer: DeliveryRenderer) async {
        do {
            if let refusal = s.destinations.refusal(c.url) {
                return try await fail(c, status: nil, error: "destination refused: \(refusal)")
            }
            guard let body = try await renderer.body(for: c) else {
                try await s.outbox.delivered(c.id, status: 0)
                return
            }
            let secret = try box.open(c.secretBox)
            let timestamp = String(Int(Date().timeIntervalSince1970))
            var request = HTTPClientRequest(url: c.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            request.headers.add(name: "User-Agent", value: "hotline-webhooks/1")
            request.headers.add(name: "Hotline-Event-Id", value: String(c.eventId))
            request.headers.add(name: "Hotline-Event-Kind", value: OutwardKind.of(stored: c.kind, to: c.toStatus))
            request.headers.add(name: "Hotline-Timestamp", value: timestamp)
            request.headers.add(name: "Hotline-Signature", value: "sha256=" + WebhookSignature.sign(secret: secret, timestamp: timestamp, body: body))
            request.body = .bytes(ByteBuffer(bytes: body))
            // The caller's data leaves with this attempt: it is in the access log before it goes.
            if c.personalData { try await renderer.logPersonalData(c) }
            let response = try await http.execute(request, timeout: .seconds(requestTimeout))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let code = Int(response.status.code)
            if (200..<300).contains(code) {
                try await s.outbox.delivered(c.id, status: code)
            } else if (300..<400).contains(code) {
                try await fail(c, status: code, error: "HTTP \(code): redirects are not followed")
            } else {
                try await fail(c, status: code, error: "HTTP \(code)")
            }
        } catch {
            try? await fail(c, status: nil, error: Self.describe(error, timeout: requestTimeout))
        }
    }

    func fail(_ c: OutboxStore.Claimed, status: Int?, error: String) async throws {
        let next = RetrySchedule.next(afterFailed: c.attempts, queuedAt: c.retryFrom, now: Date(), delays: retryDelays)
        try await s.outbox.failed(c.id, status: status, error: error, next: next)
    }

    static func describe(_ error: any Error, timeout: Int64) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout: return "timed out: no answer within \(timeout) s (receiver unreachable or slow)"
            case .connectTimeout: return "connect timed out"
            case .remoteConnectionClosed: return "the receiver closed the connection"
            default: return "HTTP client: \(e)"
            }
        }
        let text = String(describing: error)
        if text.contains("connectTimeout") { return "connect timed out" }
        if text.contains("refused") || text.contains("ECONNREFUSED") { return "connection refused" }
        return String(text.prefix(300))
    }
}

/// `Hotline-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
public enum WebhookSignature {
    public static func sign(secret: String, timestamp: String, body: Data) -> String {
        var message = Data(timestamp.utf8)
        message.append(UInt8(ascii: "."))
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time check of a received signature header.
    public static func verify(secret: String, timestamp: String, body: Data, header: String) -> Bool {
        guard header.hasPrefix("sha256=") else { return false }
        let expected = Array(sign(secret: secret, timestamp: timestamp, body: body).utf8)
        let given = Array(header.dropFirst(7).utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    public static func newSecret() -> String {
        "whsec_" + Base64URL.encode(bytes: (0..<32).map { _ in UInt8.random(in: 0...255) })
    }
}

/// Runs the worker in `serve`: every `interval`, or at once again while there is work.
public struct WebhookService: Service {
    let worker: WebhookWorker
    let interval: Duration
    let logger: Logger

    public init(worker: WebhookWorker, interval: Duration, logger: Logger) {
        self.worker = worker; self.interval = interval; self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var busy = false
            // A pass that hangs in the driver is left behind after 45 s (or at shutdown), not waited on.
            do { busy = try await cancelWhenGracefulShutdown { try await withDetachedDeadline(.seconds(45)) { try await worker.runOnce() } } > 0 } catch {
                if Task.isShuttingDownGracefully { break }
                logger.warning("webhook delivery failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            }
            if !busy { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } }
        }
        _ = try? await withDetachedDeadline(.seconds(3)) { await worker.shutdown() }
    }
}

/// Loads the webhook secret key once per process.
public actor SecretKeeper {
    let environment: String?
    let db: Database
    var cached: SecretBox?
    public init(environment: String?, db: Database) { self.environment = environment; self.db = db }
    public func box() async throws -> SecretBox {
        if let cached { return cached }
        let b = try await SecretBox.load(environment: environment, db: db)
        cached = b
        return b
    }
}
