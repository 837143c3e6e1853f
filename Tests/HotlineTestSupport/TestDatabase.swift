import Foundation
import HotlineCore
import HotlineStore
import Logging
import PostgresNIO

/// Every test gets its own database, copied from a template that is migrated and seeded once
/// (`CREATE DATABASE t_x TEMPLATE tmpl` takes ~0.15 s). Tests run against the private cluster
/// started by scripts/db-up.sh, or whatever HOTLINE_TEST_DATABASE_URL points at.
public enum TestDatabase {
    public static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()
    public static var dbDirectory: URL { repoRoot.appendingPathComponent("db") }

    static let adminURL = ProcessInfo.processInfo.environment["HOTLINE_TEST_DATABASE_URL"]
        ?? "postgres://hotline:hotline@127.0.0.1:54329/postgres"

    public static let logger: Logger = {
        var l = Logger(label: "test")
        l.logLevel = .warning
        return l
    }()

    public static func configuration(database: String) throws -> PostgresClient.Configuration {
        var comps = URLComponents(string: adminURL)!
        comps.path = "/" + database
        var config = try Database.configuration(url: comps.string!)
        config.options.maximumConnections = 12
        return config
    }

    /// Runs `body` with a client on the admin database.
    static func withAdmin<R: Sendable>(_ body: @Sendable (PostgresClient) async throws -> R) async throws -> R {
        let client = PostgresClient(configuration: try configuration(database: "postgres"), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            await Task.yield()
            return try await body(client)
        }
    }

    /// Terminates this database's backends (all, or those whose query matches `pattern`), from
    /// the admin connection: a pool with every connection broken, or a query cut off.
    /// Answers how many backends were terminated.
    @discardableResult
    public static func terminateBackends(of db: Database, matching pattern: String = "%") async throws -> Int {
        var current = ""
        for try await n in try await db.client.query("SELECT current_database()", logger: logger).decode(String.self) { current = n }
        let name = current
        return try await withAdmin { admin -> Int in
            var terminated = 0
            for try await ok in try await admin.query("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = \(name) AND pid <> pg_backend_pid() AND query LIKE \(pattern)
                """, logger: logger).decode(Bool.self) where ok { terminated += 1 }
            return terminated
        }
    }

    /// The admin URL's host and port (where a proxy in front of the test cluster points).
    public static var clusterAddress: (host: String, port: Int) {
        let c = URLComponents(string: adminURL)!
        return (c.host ?? "127.0.0.1", c.port ?? 5432)
    }

    /// A pool on database `name` through another host and port (a `FaultProxy`).
    public static func configuration(database: String, port: Int) throws -> PostgresClient.Configuration {
        var comps = URLComponents(string: adminURL)!
        comps.path = "/" + database
        comps.host = "127.0.0.1"
        comps.port = port
        var config = try Database.configuration(url: comps.string!)
        config.options.maximumConnections = 12
        return config
    }

    static let template = TemplateBuilder()

    /// A fresh database (migrated and seeded with the reference data of db/seed and the demo
    /// city). With `runClient` the client is run here; otherwise the caller runs it (an
    /// Application runs it as one of its services).
    public static func with<R: Sendable>(runClient: Bool = true, _ body: @Sendable (Database) async throws -> R) async throws -> R {
        try await withNamed(runClient: runClient) { db, _ in try await body(db) }
    }

    /// As `with`, also passing the database's name (to open a second pool on it).
    public static func withNamed<R: Sendable>(runClient: Bool = true, _ body: @Sendable (Database, String) async throws -> R) async throws -> R {
        let tmpl = try await template.name()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased()
        try await withAdmin { admin in
            // Two CREATE DATABASE from one template at the same instant can collide; retry.
            var attempt = 0
            while true {
                do {
                    try await admin.query("CREATE DATABASE \(unescaped: name) TEMPLATE \(unescaped: tmpl)", logger: logger)
                    return
                } catch {
                    attempt += 1
                    if attempt > 50 { throw error }
                    try await Task.sleep(for: .milliseconds(50 * attempt))
                }
            }
        }
        let client = PostgresClient(configuration: try configuration(database: name), backgroundLogger: logger)
        let db = Database(client: client, logger: logger)
        let result: Result<R, any Error>
        if runClient {
            result = await withTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                do { return .success(try await body(db, name)) } catch { return .failure(error) }
            }
        } else {
            do { result = .success(try await body(db, name)) } catch { result = .failure(error) }
        }
        _ = try? await withAdmin { admin in
            try await admin.query("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)", logger: logger)
        }
        return try result.get()
    }
}

/// Builds the template database once per test process, and once per migration set across
/// processes (its name carries a digest of the migrations and seed files).
actor TemplateBuilder {
    private var built: String?

    func name() async throws -> String {
        if let built { return built }
        let migrator = try Migrator(directory: TestDatabase.dbDirectory.appendingPathComponent("migrations"))
        var digestInput = migrator.migrations.map(\.checksum).joined()
        for file in Seeds.files { digestInput += (try? String(contentsOf: TestDatabase.dbDirectory.appendingPathComponent("seed/\(file.1)"), encoding: .utf8)) ?? "" }
        let digest = String(digestInput.hashValueStable, radix: 16)
        let name = "tmpl_\(digest)"
        try await TestDatabase.withAdmin { admin in
            let lockKey: Int64 = 0x12345_7e57
            try await admin.withConnection { conn in
                try await conn.query("SELECT pg_advisory_lock(\(lockKey))", logger: TestDatabase.logger)
                do {
                    try await Self.buildIfMissing(conn, name: name, migrator: migrator)
                } catch {
                    _ = try? await conn.query("SELECT pg_advisory_unlock(\(lockKey))", logger: TestDatabase.logger)
                    throw error
                }
                try await conn.query("SELECT pg_advisory_unlock(\(lockKey))", logger: TestDatabase.logger)
            }
        }
        built = name
        return name
    }

    private static func buildIfMissing(_ conn: PostgresConnection, name: String, migrator: Migrator) async throws {
                var exists = false
                for try await _ in try await conn.query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: TestDatabase.logger).decode(Int.self) { exists = true }
                if exists { return }
                let building = name + "_b"
                try await conn.query("DROP DATABASE IF EXISTS \(unescaped: building) WITH (FORCE)", logger: TestDatabase.logger)
                try await conn.query("CREATE DATABASE \(unescaped: building)", logger: TestDatabase.logger)
                let client = PostgresClient(configuration: try TestDatabase.configuration(database: building), backgroundLogger: TestDatabase.logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await client.run() }
                    defer { group.cancelAll() }
                    let db = Database(client: client, logger: TestDatabase.logger)
                    try await migrator.migrate(db)
                    try await Seeds.load(db)
                }
                // The pool has shut down; wait for its backends to be gone before renaming.
                var attempt = 0
                while true {
                    do {
                        try await conn.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(building)", logger: TestDatabase.logger)
                        try await conn.query("ALTER DATABASE \(unescaped: building) RENAME TO \(unescaped: name)", logger: TestDatabase.logger)
                        return
                    } catch {
                        attempt += 1
                        if attempt > 50 { throw error }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
    }
}

/// The reference data every test database starts with.
public enum Seeds {
    static let files: [(CSVImporter.Kind, String)] = [
        (.hotlines, "hotlines-cn.csv"), (.categories, "categories.csv"),
        (.regions, "demo/regions.csv"), (.units, "demo/units.csv"), (.calendar, "calendar-cn.csv"),
        (.kbSynonyms, "kb-synonyms.csv"), (.kb, "kb-sample.csv"), (.kb, "demo/kb-extra.csv"),
    ]

    static func load(_ db: Database) async throws {
        let importer = CSVImporter(db: db, zone: try ServiceClockZone())
        for (kind, file) in files {
            let text = try String(contentsOf: TestDatabase.dbDirectory.appendingPathComponent("seed/\(file)"), encoding: .utf8)
            let report = try await importer.run(kind, csv: text, actor: nil)
            precondition(report.rejected.isEmpty, "seed \(file) rejected lines: \(report.rejected)")
            if kind == .calendar { try await CalendarStore(db: db).publishYears(of: text, zone: try ServiceClockZone()) }
        }
    }
}

extension String {
    /// FNV-1a: stable across processes, unlike `hashValue`.
    var hashValueStable: UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in utf8 { h ^= UInt64(b); h = h &* 0x100000001b3 }
        return h
    }
}
