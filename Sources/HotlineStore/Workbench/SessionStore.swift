import Crypto
import Foundation
import HotlineCore
import PostgresNIO

/// Browser sessions, kept in PostgreSQL so every instance sees a sign-out or a revocation at
/// once: the cookie holds a random token, the table its SHA-256. A session ends after 30 minutes
/// without a request, 12 hours after sign-in, at sign-out, or when the user's access is revoked.
public struct SessionStore: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    public static let idle: TimeInterval = 30 * 60
    public static let absolute: TimeInterval = 12 * 3600

    public struct Session: Sendable {
        public var id: Int64
        public var principal: Principal
        public var displayName: String
        public var csrf: String
    }

    /// The user's password hash (nil: no such active user or no password), for sign-in.
    func passwordHash(login: String) async throws -> (Int64, String)? {
        for try await (id, hash) in try await db.client.query("""
            SELECT id, password_hash FROM users WHERE login = \(login) AND active AND password_hash IS NOT NULL
            """, logger: db.logger).decode((Int64, String).self) { return (id, hash) }
        return nil
    }

    /// Checks the password and opens a session; nil when the login or the password is wrong
    /// (the same time either way: an unknown login is checked against a decoy hash).
    public func signIn(login: String, password: String) async throws -> (token: String, session: Session)? {
        let found = try await passwordHash(login: login)
        let ok = Passwords.verify(password, against: found?.1 ?? Passwords.decoy)
        guard ok, let (userId, _) = found else { return nil }
        let token = UserStore.newToken()
        let csrf = UserStore.newToken()
        let expires = Date().addingTimeInterval(Self.absolute)
        for try await _ in try await db.client.query("""
            INSERT INTO web_sessions (token_hash, user_id, csrf_token, expires_at)
            VALUES (\(UserStore.hash(token: token)), \(userId), \(csrf), \(expires)) RETURNING id
            """, logger: db.logger).decode(Int64.self) {
            guard let s = try await session(token: token) else { return nil }
            return (token, s)
        }
        return nil
    }

    /// The live session behind a cookie's token (and its idle clock restarted), or nil.
    public func session(token: String) async throws -> Session? {
        guard (16...200).contains(token.count), token.allSatisfy({ $0.isASCII }) else { return nil }
        let hash = UserStore.hash(token: token)
        let idle = Self.idle
        for try await (sid, csrf, id, login, name, role, unit) in try await db.client.query("""
            UPDATE web_sessions s SET last_seen_at = now()
            FROM users u
            WHERE s.token_hash = \(hash) AND u.id = s.user_id AND u.active AND s.revoked_at IS NULL
              AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => \(idle))
            RETURNING s.id, s.csrf_token, u.id, u.login, u.display_name, u.role, u.unit_id
            """, logger: db.logger).decode((Int64, String, Int64, String, String, String, Int64?).self) {
            // Partners are systems: they have tokens, never a browser session.
            guard let r = Role(rawValue: role), r != .partner else { return nil }
            return Session(id: sid, principal: Principal(userId: id, login: login, role: r, unitId: unit), displayName: name, csrf: csrf)
        }
        return nil
    }

    public func signOut(sessionId: Int64) async throws {
        try await db.client.query("UPDATE web_sessions SET revoked_at = now() WHERE id = \(sessionId) AND revoked_at IS NULL", logger: db.logger)
    }

    /// Sets (or replaces) a user's password; answers false when there is no such user.
    public func setPassword(login: String, password: String) async throws -> Bool {
        let hash = try Passwords.hash(password)
        for try await _ in try await db.client.query("""
            UPDATE users SET password_hash = \(hash) WHERE login = \(login) RETURNING id
            """, logger: db.logger).decode(Int64.self) { return true }
        return false
    }
}
