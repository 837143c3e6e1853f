import Foundation
import HotlineCore
import HotlineStore
import Logging

/// Configuration from the environment (API.md), with defaults that match scripts/db-up.sh.
public struct Config: Sendable {
    public var databaseURL: String
    public var host: String
    public var port: Int
    public var timeZone: String
    public var logLevel: Logger.Level
    public var dbDirectory: URL
    /// Seconds between escalation sweeps; 0 turns the sweeper off in this process.
    public var sweepIntervalSeconds: Int
    /// Failed authentications per client address per minute before 429.
    public var authFailuresPerMinute: Int
    /// Milliseconds between passes of the webhook worker when idle; 0 turns it off in this process.
    public var outboxIntervalMilliseconds: Int = 200
    /// Seals webhook secrets (any string; SHA-256 of it is the AES key). Unset: a key kept in the database.
    public var secretKey: String? = nil
    /// HOTLINE_READ_DATABASE_URL: a replica for reports, exports and the supervisor's lists.
    public var readDatabaseURL: String? = nil
    /// Milliseconds a request may wait on the database before it answers 503.
    public var requestDeadlineMilliseconds: Int = 4500
    /// HOTLINE_WEBHOOK_ALLOWED_HOSTS.
    public var destinations = DestinationPolicy.unrestricted
    /// HOTLINE_ATTACHMENT_MAX_BYTES: the largest attachment accepted (default 10 MB).
    public var attachmentMaxBytes = 10 * 1024 * 1024
    /// HOTLINE_SECURE_COOKIES=1: the session cookie is `Secure` (set it behind HTTPS).
    public var secureCookies = false
    /// HOTLINE_DB_CONNECTIONS: the connections `serve` keeps open to the database (and to the replica).
    public var databaseConnections = 20

    public static let defaultDatabaseURL = "postgres://hotline:hotline@127.0.0.1:54329/hotline"

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> Config {
        let port = env["HOTLINE_PORT"].map { Int($0) } ?? 8080
        guard let port, (1...65535).contains(port) else { throw ConfigurationError("HOTLINE_PORT must be a port number") }
        let level = Logger.Level(rawValue: (env["LOG_LEVEL"] ?? "info").lowercased())
        guard let level else { throw ConfigurationError("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical") }
        var config = Config(
            databaseURL: env["DATABASE_URL"] ?? defaultDatabaseURL,
            host: env["HOTLINE_HOST"] ?? "127.0.0.1",
            port: port,
            timeZone: env["HOTLINE_TIMEZONE"] ?? "Asia/Shanghai",
            logLevel: level,
            dbDirectory: try locateDbDirectory(env["HOTLINE_DB_DIR"]),
            sweepIntervalSeconds: try sweepInterval(env["HOTLINE_SWEEP_INTERVAL"]),
            authFailuresPerMinute: try positive(env["HOTLINE_AUTH_FAILURES_PER_MINUTE"], name: "HOTLINE_AUTH_FAILURES_PER_MINUTE", default: 20))
        if let raw = env["HOTLINE_OUTBOX_INTERVAL_MS"] {
            guard let n = Int(raw), (0...60_000).contains(n) else { throw ConfigurationError("HOTLINE_OUTBOX_INTERVAL_MS must be milliseconds from 0 to 60000") }
            config.outboxIntervalMilliseconds = n
        }
        if let raw = env["HOTLINE_REQUEST_DEADLINE_MS"] {
            guard let n = Int(raw), (100...600_000).contains(n) else { throw ConfigurationError("HOTLINE_REQUEST_DEADLINE_MS must be milliseconds from 100 to 600000") }
            config.requestDeadlineMilliseconds = n
        }
        config.attachmentMaxBytes = try positive(env["HOTLINE_ATTACHMENT_MAX_BYTES"], name: "HOTLINE_ATTACHMENT_MAX_BYTES", default: config.attachmentMaxBytes)
        config.databaseConnections = try positive(env["HOTLINE_DB_CONNECTIONS"], name: "HOTLINE_DB_CONNECTIONS", default: config.databaseConnections)
        guard config.databaseConnections <= 500 else { throw ConfigurationError("HOTLINE_DB_CONNECTIONS must be at most 500") }
        config.secureCookies = ["1", "true", "yes"].contains(env["HOTLINE_SECURE_COOKIES"]?.lowercased() ?? "")
        config.readDatabaseURL = env["HOTLINE_READ_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        config.secretKey = env["HOTLINE_SECRET_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        do { config.destinations = try DestinationPolicy(list: env["HOTLINE_WEBHOOK_ALLOWED_HOSTS"]) } catch {
            throw ConfigurationError("\(error.field): \(error.message)")
        }
        return config
    }

    public static func positive(_ raw: String?, name: String, default def: Int) throws -> Int {
        guard let raw else { return def }
        guard let n = Int(raw), n > 0 else { throw ConfigurationError("\(name) must be a positive integer") }
        return n
    }

    public static func sweepInterval(_ raw: String?) throws -> Int {
        guard let raw else { return 60 }
        guard let n = Int(raw), (0...86400).contains(n) else { throw ConfigurationError("HOTLINE_SWEEP_INTERVAL must be seconds from 0 to 86400") }
        return n
    }

    /// `db/` holds migrations and seed files: $HOTLINE_DB_DIR, else ./db, else next to the
    /// executable's package (for `swift run` from elsewhere).
    public static func locateDbDirectory(_ explicit: String?) throws -> URL {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let explicit { candidates.append(URL(fileURLWithPath: explicit)) }
        candidates.append(URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("db"))
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(dir.appendingPathComponent("db"))
            dir = dir.deletingLastPathComponent()
        }
        for c in candidates where fm.fileExists(atPath: c.appendingPathComponent("migrations").path) {
            return c
        }
        throw ConfigurationError("cannot find db/migrations; run from the project folder or set HOTLINE_DB_DIR")
    }

    /// The settings, without the database password.
    public var printable: String {
        var url = URLComponents(string: databaseURL)
        if url?.password != nil { url?.password = "***" }
        return "database=\(url?.string ?? "?") listen=\(host):\(port) timezone=\(timeZone) log_level=\(logLevel.rawValue) db_dir=\(dbDirectory.path) sweep_interval=\(sweepIntervalSeconds)s request_deadline=\(requestDeadlineMilliseconds)ms read_replica=\(readDatabaseURL == nil ? "no" : "yes") outbox_interval=\(outboxIntervalMilliseconds)ms secret_key=\(secretKey == nil ? "database" : "environment") webhook_hosts=\(destinations.restricted ? "restricted" : "any") db_connections=\(databaseConnections)"
    }

    public func makeLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}
