import Foundation
import Logging
import PostgresNIO
import Crypto

/// Applies `db/migrations/NNNN_name.sql` in order, each in its own transaction, recorded in
/// `schema_migrations` with a checksum, under an advisory lock so concurrent `migrate` runs
/// (two instances starting at once, a Kubernetes Job and a pod) apply each file exactly once.
public struct Migrator: Sendable {
    public struct Migration: Sendable {
        public var version: String
        public var name: String
        public var sql: String
        public var checksum: String
    }

    /// Arbitrary, fixed: the advisory lock key that serialises migrations.
    static let lockKey: Int64 = 0x12345_0001

    public let migrations: [Migration]

    public init(directory: URL) throws {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        var list: [Migration] = []
        for file in files {
            let base = file.deletingPathExtension().lastPathComponent
            guard let underscore = base.firstIndex(of: "_"), base[..<underscore].allSatisfy(\.isNumber) else {
                throw ConfigurationError("migration file \(file.lastPathComponent) must be named NNNN_name.sql")
            }
            let sql = try String(contentsOf: file, encoding: .utf8)
            let digest = SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
            list.append(Migration(version: String(base[..<underscore]), name: String(base[base.index(after: underscore)...]), sql: sql, checksum: digest))
        }
        if Set(list.map(\.version)).count != list.count {
            throw ConfigurationError("two migration files share a version number")
        }
        migrations = list
    }

    /// Returns the versions applied by this call (empty when already up to date).
    @discardableResult
    public func migrate(_ db: Database) async throws -> [String] {
        try await db.client.withConnection { conn in
            let key = Self.lockKey
            try await conn.query("SELECT pg_advisory_lock(\(key))", logger: db.logger)
            do {
                let applied = try await self.apply(conn, logger: db.logger)
                try await conn.query("SELECT pg_advisory_unlock(\(key))", logger: db.logger)
                return applied
            } catch {
                _ = try? await conn.query("SELECT pg_advisory_unlock(\(key))", logger: db.logger)
                throw error
            }
        }
    }

    private func apply(_ conn: PostgresConnection, logger: Logger) async throws -> [String] {
        try await conn.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, logger: logger)
        var done: [String: String] = [:]
        for try await (version, checksum) in try await conn.query("SELECT version, checksum FROM schema_migrations", logger: logger).decode((String, String).self) {
            done[version] = checksum
        }
        var applied: [String] = []
        for m in migrations {
            if let sum = done[m.version] {
                // An applied migration is history: a changed file would mean databases that differ
                // while claiming the same version. Write a new migration instead.
                guard sum == m.checksum else {
                    throw MigrationError(version: m.version, name: m.name,
                                         underlying: "the file changed after it was applied (checksum \(sum.prefix(12)) in the database, \(m.checksum.prefix(12)) on disk); add a new migration instead of editing an applied one")
                }
                continue
            }
            try await conn.query("BEGIN", logger: logger)
            do {
                for statement in SQLScript.statements(m.sql) {
                    try await conn.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await conn.query("INSERT INTO schema_migrations (version, name, checksum) VALUES (\(m.version), \(m.name), \(m.checksum))", logger: logger)
                try await conn.query("COMMIT", logger: logger)
            } catch {
                _ = try? await conn.query("ROLLBACK", logger: logger)
                throw MigrationError(version: m.version, name: m.name, underlying: String(reflecting: error))
            }
            logger.info("applied migration", metadata: ["version": "\(m.version)", "name": "\(m.name)"])
            applied.append(m.version)
        }
        return applied
    }

    /// Migrations on disk not yet recorded in the database (serve refuses to start with any).
    public func pending(_ db: Database) async throws -> [String] {
        let rows = try await db.client.query("SELECT version FROM schema_migrations", logger: db.logger)
        var seen = Set<String>()
        for try await v in rows.decode(String.self) { seen.insert(v) }
        return migrations.map(\.version).filter { !seen.contains($0) }
    }

    /// Whether every known migration is recorded (used by /readyz).
    public func isUpToDate(_ db: Database) async throws -> Bool {
        try await pending(db).isEmpty
    }
}

public struct MigrationError: Error, CustomStringConvertible {
    public var version: String
    public var name: String
    public var underlying: String
    public var description: String { "migration \(version)_\(name) failed: \(underlying)" }
}
