import Foundation
import HotlineCore
import HotlineStore
import Hummingbird

/// Hotline registry, units, categories, regions: readable by every signed-in role, written by admin.
struct ReferenceRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    struct HotlineBody: Decodable {
        var number: String?
        var name: String?
        var department: String?
        var mergeMode: String?
        var defaultUnitId: String?
        var active: Bool?
        var note: String?
    }

    struct UnitBody: Decodable {
        var code: String?
        var name: String?
        var parentId: String?
        var level: String?
        var regionCode: String?
        var active: Bool?
    }

    struct CodeBody: Decodable {
        var code: String?
        var name: String?
        var parentCode: String?
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/hotlines", .anyUser) { req, _ in
                let q = try req.query(allowed: pageParameters)
                return try json(Page.slice(try await s.reference.listHotlines(), q) { $0.number })
            },
            Endpoint(.post, "/v1/hotlines", .admin) { req, ctx in
                let h = try validateHotline(try await req.jsonBody(HotlineBody.self, context: ctx), number: nil)
                _ = try await s.reference.saveHotline(h, mode: .create)
                return try json(h, status: .created)
            },
            Endpoint(.get, "/v1/hotlines/{number}", .anyUser) { _, ctx in
                let number = ctx.parameters.get("number") ?? ""
                guard let h = try await s.reference.hotline(number: number) else { throw APIError.notFound("hotline \(number.prefix(20))") }
                return try json(h)
            },
            Endpoint(.put, "/v1/hotlines/{number}", .admin) { req, ctx in
                let number = ctx.parameters.get("number") ?? ""
                let h = try validateHotline(try await req.jsonBody(HotlineBody.self, context: ctx), number: number)
                _ = try await s.reference.saveHotline(h, mode: .update)
                return try json(h)
            },
            Endpoint(.get, "/v1/units", .anyUser) { req, _ in
                let q = try req.query(allowed: pageParameters.union(["parent_id", "level"]))
                var parent: Int64? = nil
                if let p = q["parent_id"] {
                    guard let v = Int64(p) else { throw APIError.badRequest("parent_id", "must be a unit id") }
                    parent = v
                }
                var c = FieldChecker()
                let level: UnitLevel? = c.enumValue("level", q["level"], required: false)
                try c.throwIfAny()
                return try json(Page.slice(try await s.reference.listUnits(parentId: parent, level: level?.rawValue), q) { $0.id })
            },
            Endpoint(.post, "/v1/units", .admin) { req, ctx in
                let input = try validateUnit(try await req.jsonBody(UnitBody.self, context: ctx))
                return try json(try await s.reference.saveUnit(id: nil, input).0, status: .created)
            },
            Endpoint(.get, "/v1/units/{id}", .anyUser) { _, ctx in
                let id = try ctx.id(what: "unit")
                guard let u = try await s.reference.unit(id: id) else { throw APIError.notFound("unit \(id)") }
                return try json(u)
            },
            Endpoint(.put, "/v1/units/{id}", .admin) { req, ctx in
                let id = try ctx.id(what: "unit")
                let input = try validateUnit(try await req.jsonBody(UnitBody.self, context: ctx))
                return try json(try await s.reference.saveUnit(id: id, input).0)
            },
            Endpoint(.get, "/v1/categories", .anyUser) { req, _ in
                let q = try req.query(allowed: pageParameters)
                return try json(Page.slice(try await s.reference.listCodes(.categories), q) { $0.code })
            },
            Endpoint(.post, "/v1/categories", .admin) { req, ctx in
                let b = try await req.jsonBody(CodeBody.self, context: ctx)
                let entry = try ReferenceValidation.codeEntry(code: b.code, name: b.name, parentCode: b.parentCode)
                _ = try await s.reference.upsertCode(.categories, entry, createOnly: true)
                return try json(entry, status: .created)
            },
            Endpoint(.get, "/v1/regions", .anyUser) { req, _ in
                let q = try req.query(allowed: pageParameters)
                return try json(Page.slice(try await s.reference.listCodes(.regions), q) { $0.code })
            },
            Endpoint(.post, "/v1/regions", .admin) { req, ctx in
                let b = try await req.jsonBody(CodeBody.self, context: ctx)
                let entry = try ReferenceValidation.codeEntry(code: b.code, name: b.name, parentCode: b.parentCode)
                _ = try await s.reference.upsertCode(.regions, entry, createOnly: true)
                return try json(entry, status: .created)
            },
        ]
    }

    /// For PUT the number comes from the path; a body number, if given, must agree.
    func validateHotline(_ b: HotlineBody, number: String?) throws -> Hotline {
        var c = FieldChecker()
        if let number, let bodyNumber = b.number, bodyNumber != number {
            c.add("number", "must match the number in the path")
        }
        let num = ReferenceValidation.hotlineNumber(&c, number ?? b.number)
        let name = c.requiredText("name", b.name, maxLength: 200)
        let dept = c.optionalText("department", b.department, maxLength: 200) ?? ""
        let mode: MergeMode? = c.enumValue("merge_mode", b.mergeMode, required: true)
        let note = c.optionalText("note", b.note, maxLength: 1000) ?? ""
        if let u = b.defaultUnitId, Int64(u) == nil { c.add("default_unit_id", "must be a unit id") }
        try c.throwIfAny()
        if number != nil, num == nil { throw APIError.notFound("hotline") }
        return Hotline(number: num!, name: name!, department: dept, mergeMode: mode!.rawValue,
                       defaultUnitId: b.defaultUnitId, active: b.active ?? true, note: note)
    }

    func validateUnit(_ b: UnitBody) throws -> ReferenceStore.UnitInput {
        var c = FieldChecker()
        let code = ReferenceValidation.code(&c, "code", b.code, required: true)
        let name = c.requiredText("name", b.name, maxLength: 200)
        let level: UnitLevel? = c.enumValue("level", b.level, required: true)
        let region = ReferenceValidation.code(&c, "region_code", b.regionCode, required: false)
        var parent: Int64? = nil
        if let p = b.parentId {
            if let v = Int64(p) { parent = v } else { c.add("parent_id", "must be a unit id") }
        }
        try c.throwIfAny()
        return .init(code: code!, name: name!, parentId: parent, level: level!, regionCode: region, active: b.active ?? true)
    }
}
