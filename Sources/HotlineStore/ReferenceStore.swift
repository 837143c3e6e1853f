import Foundation
import HotlineCore
import PostgresNIO

/// Errors the stores raise for the API to translate: not found, conflicts, invalid references.
public enum StoreError: Error, Sendable, Equatable {
    case notFound(String)
    case conflict(String)
    case invalid([FieldError])
}

/// Hotlines, units, regions and categories: list, create, update, and idempotent upsert for imports.
public struct ReferenceStore: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    public enum UpsertOutcome: String, Sendable { case created, updated, unchanged }

    // MARK: regions and categories (same shape, two tables)

    public enum CodeTree: String, Sendable {
        case regions, categories
    }

    public func listCodes(_ tree: CodeTree) async throws -> [Region] {
        let rows: PostgresRowSequence
        switch tree {
        case .regions: rows = try await db.client.query("SELECT code, name, parent_code FROM regions ORDER BY code", logger: db.logger)
        case .categories: rows = try await db.client.query("SELECT code, name, parent_code FROM categories ORDER BY code", logger: db.logger)
        }
        var out: [Region] = []
        for try await (code, name, parent) in rows.decode((String, String, String?).self) {
            out.append(Region(code: code, name: name, parentCode: parent))
        }
        return out
    }

    /// Inserts or updates one code; `create` refuses an existing code (409) instead of updating.
    public func upsertCode(_ tree: CodeTree, _ item: Region, createOnly: Bool) async throws -> UpsertOutcome {
        let field = "parent_code"
        do {
            let rows: PostgresRowSequence
            switch (tree, createOnly) {
            case (.regions, true):
                rows = try await db.client.query("INSERT INTO regions (code, name, parent_code) VALUES (\(item.code), \(item.name), \(item.parentCode)) RETURNING 'created'", logger: db.logger)
            case (.categories, true):
                rows = try await db.client.query("INSERT INTO categories (code, name, parent_code) VALUES (\(item.code), \(item.name), \(item.parentCode)) RETURNING 'created'", logger: db.logger)
            case (.regions, false):
                rows = try await db.client.query("""
                    INSERT INTO regions AS r (code, name, parent_code) VALUES (\(item.code), \(item.name), \(item.parentCode))
                    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, parent_code = EXCLUDED.parent_code, updated_at = now()
                      WHERE (r.name, r.parent_code) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.parent_code)
                    RETURNING CASE WHEN xmax = 0 THEN 'created' ELSE 'updated' END
                    """, logger: db.logger)
            case (.categories, false):
                rows = try await db.client.query("""
                    INSERT INTO categories AS r (code, name, parent_code) VALUES (\(item.code), \(item.name), \(item.parentCode))
                    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, parent_code = EXCLUDED.parent_code, updated_at = now()
                      WHERE (r.name, r.parent_code) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.parent_code)
                    RETURNING CASE WHEN xmax = 0 THEN 'created' ELSE 'updated' END
                    """, logger: db.logger)
            }
            for try await outcome in rows.decode(String.self) { return UpsertOutcome(rawValue: outcome) ?? .updated }
            return .unchanged
        } catch let e where SQLFailure(e)?.isUniqueViolation == true {
            throw StoreError.conflict("\(tree == .regions ? "region" : "category") \(item.code) already exists")
        } catch let e where SQLFailure(e)?.isForeignKeyViolation == true {
            throw StoreError.invalid([FieldError(field, "unknown \(tree == .regions ? "region" : "category") '\(item.parentCode ?? "")'")])
        }
    }

    // MARK: units

    static func unit(_ row: (Int64, String, String, Int64?, String, String?, Bool)) -> OrgUnit {
        OrgUnit(id: String(row.0), code: row.1, name: row.2, parentId: row.3.map(String.init), level: row.4, regionCode: row.5, active: row.6)
    }

    public func listUnits(parentId: Int64?, level: String?) async throws -> [OrgUnit] {
        let rows = try await db.client.query("""
            SELECT id, code, name, parent_id, level, region_code, active FROM units
            WHERE (\(parentId)::bigint IS NULL OR parent_id = \(parentId))
              AND (\(level)::text IS NULL OR level = \(level))
            ORDER BY path
            """, logger: db.logger)
        var out: [OrgUnit] = []
        for try await row in rows.decode((Int64, String, String, Int64?, String, String?, Bool).self) { out.append(Self.unit(row)) }
        return out
    }

    public func unit(id: Int64) async throws -> OrgUnit? {
        let rows = try await db.client.query("SELECT id, code, name, parent_id, level, region_code, active FROM units WHERE id = \(id)", logger: db.logger)
        for try await row in rows.decode((Int64, String, String, Int64?, String, String?, Bool).self) { return Self.unit(row) }
        return nil
    }

    public func unitId(code: String) async throws -> Int64? {
        let rows = try await db.client.query("SELECT id FROM units WHERE code = \(code)", logger: db.logger)
        for try await id in rows.decode(Int64.self) { return id }
        return nil
    }

    public struct UnitInput: Sendable {
        public var code: String
        public var name: String
        public var parentId: Int64?
        public var level: UnitLevel
        public var regionCode: String?
        public var active: Bool
        public init(code: String, name: String, parentId: Int64?, level: UnitLevel, regionCode: String?, active: Bool) {
            self.code = code; self.name = name; self.parentId = parentId; self.level = level
            self.regionCode = regionCode; self.active = active
        }
    }

    /// Creates (id nil) or updates a unit, keeping `path` right for it and everything below it.
    /// With `upsertByCode`, an existing unit with the same code is updated instead of refused.
    public func saveUnit(id: Int64?, _ input: UnitInput, upsertByCode: Bool = false) async throws -> (OrgUnit, UpsertOutcome) {
        do {
            return try await db.transaction { conn in
                var targetId = id
                if targetId == nil && upsertByCode {
                    for try await existing in try await conn.query("SELECT id FROM units WHERE code = \(input.code) FOR UPDATE", logger: db.logger).decode(Int64.self) {
                        targetId = existing
                    }
                }
                var parentPath: [Int64] = []
                if let parentId = input.parentId {
                    var found = false
                    for try await path in try await conn.query("SELECT path FROM units WHERE id = \(parentId)", logger: db.logger).decode([Int64].self) {
                        parentPath = path; found = true
                    }
                    if !found { throw StoreError.invalid([FieldError("parent_id", "unknown unit \(parentId)")]) }
                    if let targetId, parentPath.contains(targetId) {
                        throw StoreError.invalid([FieldError("parent_id", "would make the unit its own ancestor")])
                    }
                }
                let level = input.level.rawValue
                guard let targetId else {
                    let rows = try await conn.query("""
                        INSERT INTO units (code, name, parent_id, level, region_code, active)
                        VALUES (\(input.code), \(input.name), \(input.parentId), \(level), \(input.regionCode), \(input.active))
                        RETURNING id
                        """, logger: db.logger)
                    var newId: Int64 = 0
                    for try await v in rows.decode(Int64.self) { newId = v }
                    let path = parentPath + [newId]
                    try await conn.query("UPDATE units SET path = \(path) WHERE id = \(newId)", logger: db.logger)
                    return (OrgUnit(id: String(newId), code: input.code, name: input.name, parentId: input.parentId.map(String.init), level: level, regionCode: input.regionCode, active: input.active), .created)
                }
                var old: (String, String, Int64?, String, String?, Bool, [Int64])? = nil
                for try await row in try await conn.query("SELECT code, name, parent_id, level, region_code, active, path FROM units WHERE id = \(targetId) FOR UPDATE", logger: db.logger).decode((String, String, Int64?, String, String?, Bool, [Int64]).self) {
                    old = row
                }
                guard let old else { throw StoreError.notFound("unit \(targetId)") }
                let unit = OrgUnit(id: String(targetId), code: input.code, name: input.name, parentId: input.parentId.map(String.init), level: level, regionCode: input.regionCode, active: input.active)
                if old.0 == input.code && old.1 == input.name && old.2 == input.parentId && old.3 == level && old.4 == input.regionCode && old.5 == input.active {
                    return (unit, .unchanged)
                }
                try await conn.query("""
                    UPDATE units SET code = \(input.code), name = \(input.name), parent_id = \(input.parentId), level = \(level),
                        region_code = \(input.regionCode), active = \(input.active), updated_at = now()
                    WHERE id = \(targetId)
                    """, logger: db.logger)
                if old.2 != input.parentId {
                    // Re-root the subtree: replace the old path prefix with the new one.
                    let oldPath = old.6
                    let newPath = parentPath + [targetId]
                    let depth = oldPath.count
                    try await conn.query("""
                        UPDATE units SET path = \(newPath) || path[\(depth + 1):]
                        WHERE path @> ARRAY[\(targetId)]::bigint[]
                        """, logger: db.logger)
                }
                return (unit, .updated)
            }
        } catch let e where SQLFailure(e)?.isUniqueViolation == true {
            throw StoreError.conflict("unit code \(input.code) already exists")
        } catch let e where SQLFailure(e)?.isForeignKeyViolation == true {
            throw StoreError.invalid([FieldError("region_code", "unknown region '\(input.regionCode ?? "")'")])
        }
    }

    // MARK: hotlines

    static func hotline(_ r: (String, String, String, String, Int64?, Bool, String)) -> Hotline {
        Hotline(number: r.0, name: r.1, department: r.2, mergeMode: r.3, defaultUnitId: r.4.map(String.init), active: r.5, note: r.6)
    }

    public func listHotlines() async throws -> [Hotline] {
        let rows = try await db.client.query("SELECT number, name, department, merge_mode, default_unit_id, active, note FROM hotlines ORDER BY number", logger: db.logger)
        var out: [Hotline] = []
        for try await r in rows.decode((String, String, String, String, Int64?, Bool, String).self) { out.append(Self.hotline(r)) }
        return out
    }

    public func hotline(number: String) async throws -> Hotline? {
        let rows = try await db.client.query("SELECT number, name, department, merge_mode, default_unit_id, active, note FROM hotlines WHERE number = \(number)", logger: db.logger)
        for try await r in rows.decode((String, String, String, String, Int64?, Bool, String).self) { return Self.hotline(r) }
        return nil
    }

    public enum HotlineWrite: Sendable { case create, update, upsert }

    public func saveHotline(_ h: Hotline, mode: HotlineWrite) async throws -> UpsertOutcome {
        let unitId = h.defaultUnitId.flatMap { Int64($0) }
        do {
            let rows: PostgresRowSequence
            switch mode {
            case .create:
                rows = try await db.client.query("""
                    INSERT INTO hotlines (number, name, department, merge_mode, default_unit_id, active, note)
                    VALUES (\(h.number), \(h.name), \(h.department), \(h.mergeMode), \(unitId), \(h.active), \(h.note))
                    RETURNING 'created'
                    """, logger: db.logger)
            case .update:
                rows = try await db.client.query("""
                    UPDATE hotlines SET name = \(h.name), department = \(h.department), merge_mode = \(h.mergeMode),
                        default_unit_id = \(unitId), active = \(h.active), note = \(h.note), updated_at = now()
                    WHERE number = \(h.number)
                    RETURNING 'updated'
                    """, logger: db.logger)
            case .upsert:
                // Imports leave default_unit_id alone when the file does not name one.
                rows = try await db.client.query("""
                    INSERT INTO hotlines AS h (number, name, department, merge_mode, default_unit_id, active, note)
                    VALUES (\(h.number), \(h.name), \(h.department), \(h.mergeMode), \(unitId), \(h.active), \(h.note))
                    ON CONFLICT (number) DO UPDATE SET name = EXCLUDED.name, department = EXCLUDED.department,
                        merge_mode = EXCLUDED.merge_mode, note = EXCLUDED.note, active = EXCLUDED.active,
                        default_unit_id = COALESCE(EXCLUDED.default_unit_id, h.default_unit_id), updated_at = now()
                      WHERE (h.name, h.department, h.merge_mode, h.note, h.active) IS DISTINCT FROM
                            (EXCLUDED.name, EXCLUDED.department, EXCLUDED.merge_mode, EXCLUDED.note, EXCLUDED.active)
                         OR (EXCLUDED.default_unit_id IS NOT NULL AND EXCLUDED.default_unit_id IS DISTINCT FROM h.default_unit_id)
                    RETURNING CASE WHEN xmax = 0 THEN 'created' ELSE 'updated' END
                    """, logger: db.logger)
            }
            for try await o in rows.decode(String.self) { return UpsertOutcome(rawValue: o) ?? .updated }
            if mode == .update { throw StoreError.notFound("hotline \(h.number)") }
            return .unchanged
        } catch let e where SQLFailure(e)?.isUniqueViolation == true {
            throw StoreError.conflict("hotline \(h.number) already exists")
        } catch let e where SQLFailure(e)?.isForeignKeyViolation == true {
            throw StoreError.invalid([FieldError("default_unit_id", "unknown unit \(h.defaultUnitId ?? "")")])
        }
    }
}

extension ReferenceStore {
    /// A unit by its name as people write it: the exact name, or the unit whose full name ends
    /// with it (人力资源和社会保障局 → 示范市人力资源和社会保障局), preferring the highest level.
    public func unitId(named name: String) async throws -> Int64? {
        let rows = try await db.client.query("""
            SELECT id FROM units WHERE active AND (name = \(name) OR right(name, length(\(name))) = \(name))
            ORDER BY name = \(name) DESC, cardinality(path), length(name), id LIMIT 1
            """, logger: db.logger)
        for try await id in rows.decode(Int64.self) { return id }
        return nil
    }

    /// A row when unit `id` is `mine` or below it (a unit's path holds all its ancestors).
    static func coverage(of id: Int64, by mine: Int64) -> PostgresQuery {
        "SELECT 1 FROM units WHERE id = \(id) AND path @> ARRAY[\(mine)]::bigint[]"
    }

    /// Whether any unit has `id` as its parent.
    public func hasUnitsBelow(_ id: Int64) async throws -> Bool {
        for try await below in try await db.client.query("SELECT EXISTS (SELECT 1 FROM units WHERE parent_id = \(id))", logger: db.logger).decode(Bool.self) {
            return below
        }
        return false
    }

    /// Whether a unit is within what the principal may see: everything for hotline-center roles,
    /// the own unit and those below it for a handler.
    public func unit(_ id: Int64, isWithin p: Principal) async throws -> Bool {
        guard p.role == .handler else { return true }
        guard let mine = p.unitId else { return false }
        for try await _ in try await db.client.query(Self.coverage(of: id, by: mine), logger: db.logger).decode(Int.self) {
            return true
        }
        return false
    }
}
