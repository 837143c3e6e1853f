import Foundation
import HotlineCore
import Synchronization
import Logging
import PostgresNIO

/// The service's handle on PostgreSQL: a connection pool plus helpers for transactions and for
/// recognising constraint violations.
public struct Database: Sendable {
    public let client: PostgresClient
    public let logger: Logger
    /// This process's knowledge-base search index for this database.
    public let knowledgeIndex: KnowledgeIndexCache
    /// This process's calendar, policies and settings for this database.
    public let config: ConfigCache
    /// The days this process has seen numbered in this database (their `ticket_number_days` row exists).
    let numberDays: NumberDays

    /// Where reads that may lag a little go (monthly reports and exports, the supervisor's and
    /// auditor's lists): a replica when `HOTLINE_READ_DATABASE_URL` is set, else the leader.
    /// Everything that must read its own writes uses `client`.
    public let reader: PostgresClient
    /// Bumped after this process changes tickets, assignments or escalations (intake, every verb,
    /// the sweeper's rungs): what the supervisor's board keys its shared figures by, so a change
    /// made here shows on the next view.
    public let writes: WriteStamp

    public init(client: PostgresClient, logger: Logger, knowledgeIndex: KnowledgeIndexCache = KnowledgeIndexCache(), config: ConfigCache = ConfigCache(),
                reader: PostgresClient? = nil) {
        self.client = client
        self.reader = reader ?? client
        self.logger = logger
        self.knowledgeIndex = knowledgeIndex
        self.config = config
        self.numberDays = NumberDays()
        self.writes = WriteStamp()
    }

    /// A query on the transaction's connection when there is one, else on the pool.
    public func query(_ q: PostgresQuery, on conn: PostgresConnection?) async throws -> PostgresRowSequence {
        if let conn { return try await conn.query(q, logger: logger) }
        return try await client.query(q, logger: logger)
    }

    /// Parses `postgres://user:password@host:port/db?sslmode=disable`.
    /// `kept`: connections opened at start and kept open (`serve`); nil: opened on demand, up to
    /// 20, closed after a minute idle (the commands and tests). A connection the pool keeps has no
    /// idle-timeout timer to start when it is handed back and cancel when it is taken again, which
    /// was two timer tasks per query on the hot path (dispatch's timer thread: ~6 % of an intake's CPU).
    public static func configuration(url: String, kept: Int? = nil) throws -> PostgresClient.Configuration {
        guard let comps = URLComponents(string: url), let scheme = comps.scheme,
              scheme == "postgres" || scheme == "postgresql",
              let host = comps.host, !host.isEmpty
        else { throw ConfigurationError("DATABASE_URL must look like postgres://user:password@host:port/db") }
        let database = comps.path.hasPrefix("/") ? String(comps.path.dropFirst()) : comps.path
        let ssl = comps.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        switch ssl {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.clientDefault)
        default: tls = .require(.clientDefault)
        }
        var config = PostgresClient.Configuration(
            host: host, port: comps.port ?? 5432,
            username: comps.user.map { $0.removingPercentEncoding ?? $0 } ?? "postgres",
            password: comps.password.map { $0.removingPercentEncoding ?? $0 },
            database: database.isEmpty ? nil : database,
            tls: tls)
        config.options.minimumConnections = kept ?? 0
        config.options.maximumConnections = kept ?? 20
        // The service's statements are short index walks (LIMIT 51); a parallel plan's worker
        // start-up alone took ~30 ms of a 40 ms list at 10 M tickets here, so none are planned.
        // Bulk reports can run on a replica whose role enables them (deploy/OPERATIONS.md).
        config.options.additionalStartupParameters = [
            ("max_parallel_workers_per_gather", "0"),
            // Every statement has a deadline on the server too, and a transaction left open by a
            // process that vanished does not hold its locks for long.
            ("statement_timeout", "120s"),
            ("idle_in_transaction_session_timeout", "60s"),
        ]
        // Connecting gives up quickly (the request deadline is 4.5 s; the pool tries again).
        config.options.connectTimeout = .seconds(3)
        return config
    }

    /// Runs `body` in one transaction on one connection. The body's own error is rethrown as is
    /// (after ROLLBACK), so callers can recognise constraint violations and domain errors.
    public func transaction<R: Sendable>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        try await client.withConnection { conn in
            try await conn.query("BEGIN", logger: logger)
            do {
                let result = try await body(conn)
                try await conn.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await conn.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A PostgreSQL error reduced to what the application reacts to.
public struct SQLFailure: Sendable {
    public var sqlState: String
    public var constraint: String?
    public var column: String?
    public var message: String

    public init?(_ error: any Error) {
        guard let psql = error as? PSQLError, let info = psql.serverInfo, let state = info[.sqlState] else { return nil }
        sqlState = state
        constraint = info[.constraintName]
        column = info[.columnName]
        message = info[.message] ?? ""
    }

    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    public var isCheckViolation: Bool { sqlState == "23514" }
    public func isNotNullViolation(column name: String) -> Bool { sqlState == "23502" && column == name }
    public var isSerializationFailure: Bool { sqlState == "40001" || sqlState == "40P01" }
}

public struct DeadlineExceeded: Error, Sendable { public init() {} }

/// The database could not be reached in time (answered 503 with Retry-After).
public struct DatabaseUnavailable: Error, Sendable { public init() {} }

/// Runs `body` with a deadline: on time-out it is cancelled (a connection lease or a query
/// waiting on the database gives up) and `DeadlineExceeded` is thrown.
public func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask { try await Task.sleep(for: limit); throw DeadlineExceeded() }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// A deadline that does not wait for `body` to notice it: when the limit passes, or the caller is
/// cancelled, `body` is cancelled and left behind and the caller goes on at once. For background
/// passes (the sweeper, the webhook worker), whose transactions are atomic and idempotent, so an
/// abandoned pass that finishes later does no harm. Seen in the failover drill: a driver call
/// that never returned after the leader changed kept a worker (and the process's shutdown) waiting
/// forever; `withDeadline` would have waited for it too.
public func withDetachedDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            race.start(c, limit: limit, body)
            if Task.isCancelled { race.finish(.failure(CancellationError())) }
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first of work, timer and cancellation to finish resumes the caller; the others are cancelled.
private final class DeadlineRace<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?
    private var tasks: [Task<Void, Never>] = []
    private var result: Result<T, any Error>?

    func start(_ c: CheckedContinuation<T, any Error>, limit: Duration, _ body: @escaping @Sendable () async throws -> T) {
        let early: Result<T, any Error>? = lock.withLock {
            if let result { return result }
            continuation = c
            return nil
        }
        if let early { c.resume(with: early); return }
        let work = Task { [self] in
            do { finish(.success(try await body())) } catch { finish(.failure(error)) }
        }
        let timer = Task { [self] in
            guard (try? await Task.sleep(for: limit)) != nil else { return }
            finish(.failure(DeadlineExceeded()))
        }
        let done = lock.withLock { tasks = [work, timer]; return result != nil }
        if done { work.cancel(); timer.cancel() }
    }

    func finish(_ r: Result<T, any Error>) {
        let (c, ts): (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) = lock.withLock {
            guard result == nil else { return (nil, []) }
            result = r
            defer { continuation = nil }
            return (continuation, tasks)
        }
        c?.resume(with: r)
        ts.forEach { $0.cancel() }
    }
}

extension Database {
    /// Whether `pool` answers `SELECT 1` within `limit` (the health probe, the replica check).
    public func answers(_ pool: PostgresClient, within limit: Duration) async -> Bool {
        let logger = self.logger
        // Detached: a probe must answer within its limit even if the driver call it made never does.
        return (try? await withDetachedDeadline(limit) {
            for try await _ in try await pool.query("SELECT 1", logger: logger).decode(Int.self) {}
            return true
        }) ?? false
    }

    /// Before a long read on the replica (a monthly report may take seconds): a connection
    /// within 3 s, or `DatabaseUnavailable` — the long deadline is for the work, not for
    /// waiting on a replica that is gone.
    public func ensureReaderReachable(within limit: Duration = .seconds(3)) async throws {
        guard await answers(reader, within: limit) else {
            try Task.checkCancellation()
            throw DatabaseUnavailable()
        }
    }
}

/// Days whose row in `ticket_number_days` is known to exist (rows are never deleted).
final class NumberDays: Sendable {
    private let days = Mutex(Set<LocalDay>())
    func contains(_ day: LocalDay) -> Bool { days.withLock { $0.contains(day) } }
    func insert(_ day: LocalDay) { _ = days.withLock { $0.insert(day) } }
    func forget(_ day: LocalDay) { _ = days.withLock { $0.remove(day) } }
}

/// A counter of this process's changes to tickets, assignments and escalations (`Database.writes`).
public final class WriteStamp: Sendable {
    private let value = Atomic<UInt64>(0)
    public init() {}
    public func bump() { value.wrappingAdd(1, ordering: .releasing) }
    public var current: UInt64 { value.load(ordering: .acquiring) }
}
