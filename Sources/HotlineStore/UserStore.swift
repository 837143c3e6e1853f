import Crypto
import Foundation
import HotlineCore
import PostgresNIO

/// Who is calling: resolved from a bearer token on every request.
public struct Principal: Sendable, Equatable {
    public var userId: Int64
    public var login: String
    public var role: Role
    public var unitId: Int64?
    /// For a partner: the hotline and channels it registers for, and the unit whose office system it is.
    public var partner: PartnerBinding?
    public init(userId: Int64, login: String, role: Role, unitId: Int64?, partner: PartnerBinding? = nil) {
        self.userId = userId; self.login = login; self.role = role; self.unitId = unitId; self.partner = partner
    }
}

/// Users and their bearer tokens. Tokens are random 32 bytes shown once; only SHA-256 is stored.
public struct UserStore: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    /// Token lifetime when none is given: tokens are for consoles and integrations, renewed yearly.
    public static let defaultTokenLifetime: TimeInterval = 365 * 86400

    public static func newToken() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return "hl_" + Base64URL.encode(bytes: bytes)
    }

    public static func hash(token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    public struct NewUser: Sendable {
        public var login: String
        public var displayName: String
        public var role: Role
        public var unitId: Int64?
        public var partner: PartnerBinding?
        /// For the workbench (at least 10 characters); nil: tokens only.
        public var password: String?
        public init(login: String, displayName: String, role: Role, unitId: Int64?, partner: PartnerBinding? = nil, password: String? = nil) {
            self.login = login; self.displayName = displayName; self.role = role; self.unitId = unitId; self.partner = partner
            self.password = password
        }
    }

    /// Creates the user and its first token, in one transaction. Returns the user and the token.
    public func create(_ u: NewUser) async throws -> (User, String) {
        let token = Self.newToken()
        let hash = Self.hash(token: token)
        let expires = Date().addingTimeInterval(Self.defaultTokenLifetime)
        let passwordHash = try u.password.map { try Passwords.hash($0) }
        do {
            let id = try await db.transaction { conn -> Int64 in
                var id: Int64 = 0
                for try await v in try await conn.query("""
                    INSERT INTO users (login, display_name, role, unit_id, partner_hotline, partner_channels, partner_unit_id, password_hash)
                    VALUES (\(u.login), \(u.displayName), \(u.role.rawValue), \(u.unitId), \(u.partner?.hotlineNumber),
                            \(u.partner?.channels.map(\.rawValue) ?? []), \(u.partner?.unitId), \(passwordHash))
                    RETURNING id
                    """, logger: db.logger).decode(Int64.self) { id = v }
                try await conn.query("INSERT INTO api_tokens (user_id, token_hash, expires_at) VALUES (\(id), \(hash), \(expires))", logger: db.logger)
                return id
            }
            var user = User(id: String(id), login: u.login, displayName: u.displayName, role: u.role.rawValue, unitId: u.unitId.map(String.init), active: true)
            user.partner = u.partner.map(User.Partner.init)
            return (user, token)
        } catch let e where SQLFailure(e)?.isUniqueViolation == true {
            throw StoreError.conflict("login \(u.login) already exists")
        } catch let e where SQLFailure(e)?.isForeignKeyViolation == true {
            if let p = u.partner { throw StoreError.invalid([FieldError("partner", "unknown hotline \(p.hotlineNumber) or unit")]) }
            throw StoreError.invalid([FieldError("unit_id", "unknown unit \(u.unitId.map(String.init) ?? "")")])
        }
    }

    /// Issues another token for an existing user (CLI: `hotline user token`).
    public func issueToken(login: String) async throws -> String {
        let token = Self.newToken()
        let hash = Self.hash(token: token)
        let expires = Date().addingTimeInterval(Self.defaultTokenLifetime)
        let rows = try await db.client.query("""
            INSERT INTO api_tokens (user_id, token_hash, expires_at)
            SELECT id, \(hash), \(expires) FROM users WHERE login = \(login) AND active
            RETURNING id
            """, logger: db.logger)
        for try await _ in rows.decode(Int64.self) { return token }
        throw StoreError.notFound("user \(login)")
    }

    /// Revokes every live token and browser session of a user; answers how many tokens were revoked.
    public func revokeTokens(userId: Int64) async throws -> Int {
        var exists = false
        for try await _ in try await db.client.query("SELECT 1 FROM users WHERE id = \(userId)", logger: db.logger).decode(Int.self) { exists = true }
        guard exists else { throw StoreError.notFound("user \(userId)") }
        // The notification goes out with the commit: every instance empties its token cache at once.
        for try await n in try await db.client.query("""
            WITH r AS (UPDATE api_tokens SET revoked_at = now() WHERE user_id = \(userId) AND revoked_at IS NULL RETURNING id),
                 w AS (UPDATE web_sessions SET revoked_at = now() WHERE user_id = \(userId) AND revoked_at IS NULL RETURNING id),
                 n AS (SELECT pg_notify('hotline_revocations', \(String(userId))))
            SELECT (SELECT count(*) FROM r) FROM n
            """, logger: db.logger).decode(Int64.self) { return Int(n) }
        return 0
    }

    /// The principal behind a bearer token, or nil when unknown, revoked, expired or the user inactive.
    public func authenticate(token: String) async throws -> Principal? {
        let hash = Self.hash(token: token)
        let rows = try await db.client.query("""
            SELECT u.id, u.login, u.role, u.unit_id, u.partner_hotline, u.partner_channels, u.partner_unit_id
            FROM api_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = \(hash) AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.active
            """, logger: db.logger)
        for try await (id, login, role, unit, hotline, channels, partnerUnit) in rows.decode((Int64, String, String, Int64?, String?, [String], Int64?).self) {
            guard let r = Role(rawValue: role) else { return nil }
            let partner = hotline.map { PartnerBinding(hotlineNumber: $0, channels: channels.compactMap(Channel.init(rawValue:)), unitId: partnerUnit) }
            return Principal(userId: id, login: login, role: r, unitId: unit, partner: r == .partner ? partner : nil)
        }
        return nil
    }

    public func userExists(login: String) async throws -> Bool {
        for try await _ in try await db.client.query("SELECT 1 FROM users WHERE login = \(login)", logger: db.logger).decode(Int.self) { return true }
        return false
    }
}
