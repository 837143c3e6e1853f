import Foundation
import HotlineStore
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// Whether this process can reach PostgreSQL, checked every second with a short deadline. While
/// it cannot (two probes in a row failed), requests answer 503 at once instead of queueing for a connection.
public final class DatabaseHealth: Sendable {
    let db: Database
    let down = NIOLockedValueBox(false)
    let failures = NIOLockedValueBox(0)
    public let interval: Duration
    public let probeTimeout: Duration

    public init(db: Database, interval: Duration = .seconds(1), probeTimeout: Duration = .seconds(2)) {
        self.db = db; self.interval = interval; self.probeTimeout = probeTimeout
    }

    public var isDown: Bool { down.withLockedValue { $0 } }

    /// Requests in flight, told the moment the database is found unreachable.
    private let watchers = NIOLockedValueBox<(next: Int, alarms: [Int: RequestAlarm])>((0, [:]))

    /// Fires `alarm` when the database goes down (at once when it is down now); nil when it fired.
    func watch(_ alarm: RequestAlarm) -> Int? {
        let id: Int? = watchers.withLockedValue { w in
            guard !isDown else { return nil }
            w.next += 1
            w.alarms[w.next] = alarm
            return w.next
        }
        if id == nil { alarm.fire(.databaseDown) }
        return id
    }

    func unwatch(_ id: Int) { _ = watchers.withLockedValue { $0.alarms.removeValue(forKey: id) } }

    /// One probe: `SELECT 1` within the probe's deadline.
    public func probe() async -> Bool {
        let ok = await db.answers(db.client, within: probeTimeout)
        // Down after two failed probes in a row (one slow answer on a busy machine is not an outage);
        // up again at the first answer. Requests in flight have their own deadline meanwhile.
        let failed = failures.withLockedValue { f in f = ok ? 0 : f + 1; return f }
        let was = down.withLockedValue { d in defer { d = failed >= 2 }; return d }
        if was != (failed >= 2) { db.logger.notice(ok ? "database reachable again" : "database unreachable: answering 503") }
        if failed >= 2 {
            // (After `down` is set: a request watching from now on is refused at `watch`.)
            let alarms = watchers.withLockedValue { w in defer { w.alarms.removeAll() }; return Array(w.alarms.values) }
            for a in alarms { a.fire(.databaseDown) }
        }
        return ok
    }

    public func run() async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            _ = await probe()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}

extension DatabaseHealth: Service {}

struct DatabaseDown: Error, Sendable {}

/// Fires once, with why a request must give up; `wait` throws it (or CancellationError when the
/// waiting task is cancelled: the answer was ready first).
final class RequestAlarm: Sendable {
    enum Reason: Sendable { case deadline, databaseDown, cancelled }
    private enum State: Sendable { case armed, waiting(CheckedContinuation<Void, any Error>), fired(Reason) }
    private let state = NIOLockedValueBox(State.armed)

    func fire(_ reason: Reason) {
        let waiter: CheckedContinuation<Void, any Error>? = state.withLockedValue { s in
            switch s {
            case .armed: s = .fired(reason); return nil
            case .waiting(let c): s = .fired(reason); return c
            case .fired: return nil
            }
        }
        waiter?.resume(throwing: Self.error(reason))
    }

    func wait() async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let fired: Reason? = state.withLockedValue { s in
                    switch s {
                    case .armed: s = .waiting(c); return nil
                    case .fired(let r): return r
                    case .waiting: preconditionFailure("one waiter per alarm")
                    }
                }
                if let fired { c.resume(throwing: Self.error(fired)) }
            }
        } onCancel: { fire(.cancelled) }
    }

    private static func error(_ r: Reason) -> any Error {
        switch r {
        case .deadline: DeadlineExceeded()
        case .databaseDown: DatabaseDown()
        case .cancelled: CancellationError()
        }
    }
}

struct Unchecked<T>: @unchecked Sendable { let value: T }

/// Every request that touches the database has a deadline (4.5 s by default,
/// `HOTLINE_REQUEST_DEADLINE_MS`; imports, reports and the audit trail 120 s) and
/// gives up at once when the database is known to be unreachable: the answer is 503 with
/// Retry-After, never a hang or a 500. A write cut off this way may have committed; the answer
/// says to retry with the same Idempotency-Key, which never applies it twice.
struct DeadlineMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let health: DatabaseHealth?
    let standard: Duration

    static let exempt: Set<String> = ["/healthz", "/metrics", "/openapi.yaml"]
    static let long: Duration = .seconds(120)

    func limit(_ path: String?) -> Duration {
        guard let path else { return standard }
        return path.hasPrefix("/v1/imports") || path.hasPrefix("/v1/reports") || path.hasPrefix("/v1/audit") ? max(Self.long, standard) : standard
    }

    static let unavailable = APIError(.serviceUnavailable, "Service unavailable",
        "the database is unreachable or did not answer in time; retry shortly (a write may or may not have been applied: retry it with the same Idempotency-Key)",
        extra: ["retry_after": "5"])

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        if let path = context.endpointPath, Self.exempt.contains(path) { return try await next(request, context) }
        if health?.isDown == true { throw Self.unavailable }
        let limit = limit(context.endpointPath)
        // One alarm per request: the database found down (the health probe fires it) or the
        // deadline passed. The deadline is a timer of the connection's event loop when the request
        // runs on it (no wake-up of another thread to set or cancel it), else a sleeping task.
        let alarm = RequestAlarm()
        let watching = health?.watch(alarm)
        defer { if let watching { health?.unwatch(watching) } }
        var timer: Scheduled<Void>? = nil
        if let loop = context.eventLoop, loop.inEventLoop {
            timer = loop.scheduleTask(in: TimeAmount(limit)) { alarm.fire(.deadline) }
        }
        defer { timer?.cancel() }
        let onLoop = timer != nil
        do {
            return try await withoutActuallyEscaping(next) { next in
                let box = Unchecked(value: next)
                return try await withThrowingTaskGroup(of: Response.self) { group in
                    group.addTask { try await box.value(request, context) }
                    group.addTask { try await alarm.wait(); throw CancellationError() }  // (`wait` only returns by throwing)
                    if !onLoop { group.addTask { try await Task.sleep(for: limit); throw DeadlineExceeded() } }
                    defer { group.cancelAll() }
                    return try await group.next()!
                }
            }
        } catch is DeadlineExceeded, is DatabaseDown, is CancellationError {
            throw Self.unavailable
        }
    }
}

/// Token revocation reaches every instance at once: `revokeTokens` notifies
/// `hotline_revocations` in its transaction, and every process listens (on one pooled connection)
/// and empties its token cache. While it is not listening the cache is not used at all.
public final class RevocationListener: Sendable {
    public static let channel = "hotline_revocations"
    let db: Database
    let cache: PrincipalCache

    public init(db: Database, cache: PrincipalCache) { self.db = db; self.cache = cache }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                // Listening ends with a graceful shutdown (the connection goes back before the pool closes).
                try await cancelWhenGracefulShutdown { [db, cache] in
                    try await db.client.withConnection { conn in
                        try await conn.listen(on: Self.channel) { notifications in
                            cache.clear()
                            cache.setEnabled(true)
                            for try await _ in notifications { cache.clear() }
                        }
                    }
                }
            } catch {
                db.logger.debug("revocation listener lost its connection", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            }
            cache.setEnabled(false)
            cache.clear()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
    }

    /// For tests: waits until the listener is listening.
    public func waitUntilListening(timeout: Duration) async -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if cache.isEnabled { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return cache.isEnabled
    }
}

extension RevocationListener: Service {}
