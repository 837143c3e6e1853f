import Foundation
import HotlineCore
import PostgresNIO

/// SLA policies: the clock lengths as data.
public struct PolicyStore: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    static let columns = """
        code, name, response_amount, response_unit, close_amount, close_unit, callback_amount, callback_unit,
        max_extension_days, supervision_after_days, referral_after_days, callback_attempts, version,
        co_reply_amount, co_reply_unit, suspension_limit_amount, suspension_limit_unit, suspension_reasons
        """

    static func policy(_ row: PostgresRow) throws -> SLAPolicy {
        let r = row.makeRandomAccess()
        func int(_ c: String) throws -> Int { Int(try r[c].decode(Int32.self)) }
        func length(_ a: String, _ u: String) throws -> ClockLength {
            ClockLength(try int(a), DurationUnit(rawValue: try r[u].decode(String.self)) ?? .workingDays)
        }
        return SLAPolicy(code: try r["code"].decode(String.self), name: try r["name"].decode(String.self),
                         response: try length("response_amount", "response_unit"), close: try length("close_amount", "close_unit"),
                         callback: try length("callback_amount", "callback_unit"), coReply: try length("co_reply_amount", "co_reply_unit"),
                         maxExtensionDays: try int("max_extension_days"),
                         suspensionLimit: try length("suspension_limit_amount", "suspension_limit_unit"),
                         suspensionReasons: try r["suspension_reasons"].decode([String].self),
                         supervisionAfterDays: try int("supervision_after_days"), referralAfterDays: try int("referral_after_days"),
                         callbackAttempts: try int("callback_attempts"), version: try int("version"))
    }

    public func all() async throws -> [SLAPolicy] {
        var out: [SLAPolicy] = []
        for try await row in try await db.client.query("SELECT \(unescaped: Self.columns) FROM sla_policies ORDER BY code", logger: db.logger) {
            out.append(try Self.policy(row))
        }
        return out
    }

    public func get(_ code: String) async throws -> SLAPolicy? {
        for try await row in try await db.client.query("SELECT \(unescaped: Self.columns) FROM sla_policies WHERE code = \(code)", logger: db.logger) {
            return try Self.policy(row)
        }
        return nil
    }

    /// Creates or replaces a policy; the version counts edits. Running clocks keep the deadlines
    /// they were given; new assignments use the new lengths.
    public func put(_ p: SLAPolicy) async throws -> SLAPolicy {
        defer { db.config.invalidate() }
        let rows = try await db.client.query("""
            INSERT INTO sla_policies AS s (code, name, response_amount, response_unit, close_amount, close_unit,
                callback_amount, callback_unit, max_extension_days, supervision_after_days, referral_after_days, callback_attempts,
                co_reply_amount, co_reply_unit, suspension_limit_amount, suspension_limit_unit, suspension_reasons)
            VALUES (\(p.code), \(p.name), \(p.response.amount), \(p.response.unit.rawValue), \(p.close.amount), \(p.close.unit.rawValue),
                \(p.callback.amount), \(p.callback.unit.rawValue), \(p.maxExtensionDays), \(p.supervisionAfterDays),
                \(p.referralAfterDays), \(p.callbackAttempts), \(p.coReply.amount), \(p.coReply.unit.rawValue),
                \(p.suspensionLimit.amount), \(p.suspensionLimit.unit.rawValue), \(p.suspensionReasons))
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name,
                response_amount = EXCLUDED.response_amount, response_unit = EXCLUDED.response_unit,
                close_amount = EXCLUDED.close_amount, close_unit = EXCLUDED.close_unit,
                callback_amount = EXCLUDED.callback_amount, callback_unit = EXCLUDED.callback_unit,
                max_extension_days = EXCLUDED.max_extension_days, supervision_after_days = EXCLUDED.supervision_after_days,
                referral_after_days = EXCLUDED.referral_after_days, callback_attempts = EXCLUDED.callback_attempts,
                co_reply_amount = EXCLUDED.co_reply_amount, co_reply_unit = EXCLUDED.co_reply_unit,
                suspension_limit_amount = EXCLUDED.suspension_limit_amount, suspension_limit_unit = EXCLUDED.suspension_limit_unit,
                suspension_reasons = EXCLUDED.suspension_reasons,
                version = s.version + 1, updated_at = now()
            RETURNING \(unescaped: Self.columns)
            """, logger: db.logger)
        for try await row in rows { return try Self.policy(row) }
        throw StoreError.conflict("policy \(p.code) was not saved")
    }
}
