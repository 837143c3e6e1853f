import Foundation
import HotlineCore
import HotlineStore
import Hummingbird

/// The routing catalogue (派单目录). Saving a rule with the conditions of an existing one makes
/// a new version of it.
struct RoutingRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    struct RuleBody: Decodable {
        var categoryCode: String?
        var regionCode: String?
        var nature: String?
        var hotlineNumber: String?
        var leadUnitId: String?
        var coUnitIds: [String]?
        var slaPolicy: String?
        var active: Bool?
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/routing-rules", .anyUser) { req, _ in
                let q = try req.query(allowed: pageParameters.union(["history"]))
                let history = q["history"] == "true"
                return try json(Page.slice(try await s.routing.list(includeHistory: history), q) { $0.id })
            },
            Endpoint(.post, "/v1/routing-rules", .admin) { req, ctx in
                let b = try await req.jsonBody(RuleBody.self, context: ctx)
                var c = FieldChecker()
                let category = c.requiredText("category_code", b.categoryCode, maxLength: 64)
                let region = c.optionalText("region_code", b.regionCode, maxLength: 64)
                let nature: Nature? = c.enumValue("nature", b.nature, required: false)
                let hotline = c.optionalText("hotline_number", b.hotlineNumber, maxLength: 8)
                var lead: Int64 = 0
                if let l = b.leadUnitId, let v = Int64(l) { lead = v } else { c.add("lead_unit_id", b.leadUnitId == nil ? "is required" : "must be a unit id") }
                var co: [Int64] = []
                for (i, raw) in (b.coUnitIds ?? []).enumerated() {
                    if let v = Int64(raw) { co.append(v) } else { c.add("co_unit_ids[\(i)]", "must be a unit id") }
                }
                let sla = c.optionalText("sla_policy", b.slaPolicy, maxLength: 40) ?? "standard"
                try c.throwIfAny()
                let rule = try await s.routing.save(.init(categoryCode: category!, regionCode: region, nature: nature?.rawValue,
                                                          hotlineNumber: hotline, leadUnitId: lead, coUnitIds: co, slaPolicy: sla,
                                                          active: b.active ?? true), by: try ctx.requirePrincipal.userId)
                return try json(rule, status: .created)
            },
        ]
    }
}
