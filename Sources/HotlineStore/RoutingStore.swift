import Foundation
import HotlineCore
import PostgresNIO

/// The routing catalogue: versioned rules and the choice for a ticket.
public struct RoutingStore: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    static let columns = "id, rule_id, version, category_code, region_code, nature, hotline_number, lead_unit_id, co_unit_ids, sla_policy, active"

    static func rule(_ row: PostgresRow) throws -> RoutingRule {
        let (id, ruleId, version, cat, region, nature, hotline, lead, co, sla, active) =
            try row.decode((Int64, Int64, Int32, String, String?, String?, String?, Int64, [Int64], String, Bool).self)
        return RoutingRule(id: String(id), ruleId: String(ruleId), version: Int(version), categoryCode: cat, regionCode: region,
                           nature: nature, hotlineNumber: hotline, leadUnitId: String(lead), coUnitIds: co.map(String.init),
                           slaPolicy: sla, active: active)
    }

    public func list(includeHistory: Bool) async throws -> [RoutingRule] {
        var out: [RoutingRule] = []
        let rows = try await db.client.query("""
            SELECT \(unescaped: Self.columns) FROM routing_rules WHERE active OR \(includeHistory)
            ORDER BY category_code, region_code NULLS FIRST, nature NULLS FIRST, hotline_number NULLS FIRST, rule_id, version
            """, logger: db.logger)
        for try await row in rows { out.append(try Self.rule(row)) }
        return out
    }

    public struct Input: Sendable {
        public var categoryCode: String
        public var regionCode: String?
        public var nature: String?
        public var hotlineNumber: String?
        public var leadUnitId: Int64
        public var coUnitIds: [Int64]
        public var slaPolicy: String
        public var active: Bool
        public init(categoryCode: String, regionCode: String?, nature: String?, hotlineNumber: String?, leadUnitId: Int64,
                    coUnitIds: [Int64], slaPolicy: String, active: Bool) {
            self.categoryCode = categoryCode; self.regionCode = regionCode; self.nature = nature
            self.hotlineNumber = hotlineNumber; self.leadUnitId = leadUnitId; self.coUnitIds = coUnitIds
            self.slaPolicy = slaPolicy; self.active = active
        }
    }

    /// A rule with a new matching key is version 1 of a new rule; a rule with the key of an active
    /// rule becomes that rule's next version and the old version stops applying. Tickets keep
    /// pointing at the version that dispatched them.
    public func save(_ r: Input, by user: Int64?) async throws -> RoutingRule {
        try await validateReferences(r)
        do {
            return try await db.transaction { conn in
                var ruleId: Int64? = nil
                var version: Int32 = 1
                for try await (rid, v) in try await conn.query("""
                    SELECT rule_id, version FROM routing_rules
                    WHERE category_code = \(r.categoryCode) AND COALESCE(region_code, '') = COALESCE(\(r.regionCode), '')
                      AND COALESCE(nature, '') = COALESCE(\(r.nature), '') AND COALESCE(hotline_number, '') = COALESCE(\(r.hotlineNumber), '')
                    ORDER BY version DESC LIMIT 1 FOR UPDATE
                    """, logger: db.logger).decode((Int64, Int32).self) {
                    ruleId = rid; version = v + 1
                }
                if let ruleId {
                    try await conn.query("UPDATE routing_rules SET active = false WHERE rule_id = \(ruleId) AND active", logger: db.logger)
                } else {
                    for try await v in try await conn.query("SELECT nextval('routing_rule_ids')", logger: db.logger).decode(Int64.self) { ruleId = v }
                }
                let rows = try await conn.query("""
                    INSERT INTO routing_rules (rule_id, version, category_code, region_code, nature, hotline_number,
                        lead_unit_id, co_unit_ids, sla_policy, active, created_by)
                    VALUES (\(ruleId!), \(version), \(r.categoryCode), \(r.regionCode), \(r.nature), \(r.hotlineNumber),
                        \(r.leadUnitId), \(r.coUnitIds), \(r.slaPolicy), \(r.active), \(user))
                    RETURNING \(unescaped: Self.columns)
                    """, logger: db.logger)
                for try await row in rows { return try Self.rule(row) }
                throw StoreError.conflict("rule not saved")
            }
        } catch let e where SQLFailure(e)?.isUniqueViolation == true {
            throw StoreError.conflict("a rule with the same conditions was saved at the same moment; retry")
        }
    }

    /// Whether the active rule with these conditions already says exactly this.
    public func activeRuleMatches(_ r: Input) async throws -> Bool {
        let rows = try await db.client.query("""
            SELECT lead_unit_id, co_unit_ids, sla_policy FROM routing_rules
            WHERE active AND category_code = \(r.categoryCode) AND COALESCE(region_code, '') = COALESCE(\(r.regionCode), '')
              AND COALESCE(nature, '') = COALESCE(\(r.nature), '') AND COALESCE(hotline_number, '') = COALESCE(\(r.hotlineNumber), '')
            """, logger: db.logger)
        for try await (lead, co, sla) in rows.decode((Int64, [Int64], String).self) {
            return r.active && lead == r.leadUnitId && co.sorted() == r.coUnitIds.sorted() && sla == r.slaPolicy
        }
        return false
    }

    private func validateReferences(_ r: Input) async throws {
        let units = [r.leadUnitId] + r.coUnitIds
        let rows = try await db.client.query("""
            SELECT EXISTS (SELECT 1 FROM categories WHERE code = \(r.categoryCode)),
                   \(r.regionCode)::text IS NULL OR EXISTS (SELECT 1 FROM regions WHERE code = \(r.regionCode)),
                   \(r.hotlineNumber)::text IS NULL OR EXISTS (SELECT 1 FROM hotlines WHERE number = \(r.hotlineNumber)),
                   EXISTS (SELECT 1 FROM sla_policies WHERE code = \(r.slaPolicy)),
                   (SELECT count(*) FROM units WHERE id = ANY(\(units)) AND active) = cardinality(ARRAY(SELECT DISTINCT unnest(\(units)::bigint[])))
            """, logger: db.logger)
        var errors: [FieldError] = []
        for try await (cat, region, hotline, sla, unitsOK) in rows.decode((Bool, Bool, Bool, Bool, Bool).self) {
            if !cat { errors.append(FieldError("category_code", "unknown category '\(r.categoryCode)'")) }
            if !region { errors.append(FieldError("region_code", "unknown region '\(r.regionCode ?? "")'")) }
            if !hotline { errors.append(FieldError("hotline_number", "unknown hotline '\(r.hotlineNumber ?? "")'")) }
            if !sla { errors.append(FieldError("sla_policy", "unknown SLA policy '\(r.slaPolicy)'")) }
            if !unitsOK { errors.append(FieldError("lead_unit_id", "lead and co-units must be existing, active units")) }
        }
        if r.coUnitIds.contains(r.leadUnitId) { errors.append(FieldError("co_unit_ids", "must not contain the lead unit")) }
        if !errors.isEmpty { throw StoreError.invalid(errors) }
    }

    /// The category and region of a ticket with their ancestors, nearest first.
    static func chain(_ conn: PostgresConnection, table: String, code: String?, logger: Logger) async throws -> [String] {
        guard let code else { return [] }
        let rows: PostgresRowSequence
        if table == "categories" {
            rows = try await conn.query("""
                WITH RECURSIVE up(code, parent_code, depth) AS (
                    SELECT code, parent_code, 0 FROM categories WHERE code = \(code)
                    UNION ALL SELECT c.code, c.parent_code, up.depth + 1 FROM categories c JOIN up ON c.code = up.parent_code WHERE up.depth < 20)
                SELECT code FROM up ORDER BY depth
                """, logger: logger)
        } else {
            rows = try await conn.query("""
                WITH RECURSIVE up(code, parent_code, depth) AS (
                    SELECT code, parent_code, 0 FROM regions WHERE code = \(code)
                    UNION ALL SELECT r.code, r.parent_code, up.depth + 1 FROM regions r JOIN up ON r.code = up.parent_code WHERE up.depth < 20)
                SELECT code FROM up ORDER BY depth
                """, logger: logger)
        }
        var out: [String] = []
        for try await c in rows.decode(String.self) { out.append(c) }
        return out
    }
}
