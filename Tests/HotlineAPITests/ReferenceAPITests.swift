import Foundation
import HTTPTypes
import HotlineCore
import HotlineTestSupport
import Testing

@Suite struct ReferenceAPITests {
    @Test func hotlinesListCreateUpdate() async throws {
        try await TestApp.with { app in
            let admin = try await app.token(.admin)
            let list = try await app.request(.get, "/v1/hotlines", token: admin)
            #expect(list.items.count == 34)
            #expect(list.items.first { $0["number"] as? String == "12315" }?["merge_mode"] as? String == "parallel")
            let body: [String: Any] = ["number": "96345", "name": "城市服务热线", "department": "城管局", "merge_mode": "whole"]
            #expect(try await app.request(.post, "/v1/hotlines", token: admin, json: body).status == .created)
            #expect(try await app.request(.post, "/v1/hotlines", token: admin, json: body).status == .conflict)
            let bad = try await app.request(.post, "/v1/hotlines", token: admin, json: ["number": "x1", "merge_mode": "merged"])
            #expect(bad.fieldErrors == ["number", "name", "merge_mode"])
            let unit = try await app.services.reference.unitId(code: "CGJ")!
            var upd = body; upd["default_unit_id"] = String(unit); upd["active"] = false
            let put = try await app.request(.put, "/v1/hotlines/96345", token: admin, json: upd)
            #expect(put.status == .ok)
            let got = try await app.request(.get, "/v1/hotlines/96345", token: admin).json
            #expect(got["default_unit_id"] as? String == String(unit) && got["active"] as? Bool == false)
            #expect(try await app.request(.put, "/v1/hotlines/11111", token: admin, json: body).status == .badRequest)  // body number disagrees
            var ghost = body; ghost["number"] = "11111"
            #expect(try await app.request(.put, "/v1/hotlines/11111", token: admin, json: ghost).status == .notFound)
            var badUnit = body; badUnit["default_unit_id"] = "99999"
            #expect(try await app.request(.put, "/v1/hotlines/96345", token: admin, json: badUnit).fieldErrors == ["default_unit_id"])
        }
    }

    @Test func unitTreeMovesKeepScopeAndRefuseCycles() async throws {
        try await TestApp.with { app in
            let admin = try await app.token(.admin)
            let xhq = try await app.services.reference.unitId(code: "XHQ")!
            let r = try await app.request(.post, "/v1/units", token: admin, json: ["code": "XHQ-NEW", "name": "新设街道", "parent_id": String(xhq), "level": "street", "region_code": "330106"])
            #expect(r.status == .created)
            let newId = try #require(r.json["id"] as? String)
            let child = try await app.request(.post, "/v1/units", token: admin, json: ["code": "XHQ-NEW-1", "name": "社区", "parent_id": newId, "level": "office"])
            let childId = try #require(child.json["id"] as? String)
            // Cycle: the street under its own office.
            let cycle = try await app.request(.put, "/v1/units/\(newId)", token: admin, json: ["code": "XHQ-NEW", "name": "新设街道", "parent_id": childId, "level": "street"])
            #expect(cycle.status == .badRequest && cycle.fieldErrors == ["parent_id"])
            // Move the street (and its office) under 上城区: a 上城区 handler now sees a ticket of the office.
            let scq = try await app.services.reference.unitId(code: "SCQ")!
            #expect(try await app.request(.put, "/v1/units/\(newId)", token: admin, json: ["code": "XHQ-NEW", "name": "新设街道", "parent_id": String(scq), "level": "street"]).status == .ok)
            let agent = try await app.token(.agent)
            let t = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).json["id"] as! String
            try await app.services.db.client.query("INSERT INTO assignments (ticket_id, unit_id, role) VALUES (\(Int64(t)!), \(Int64(childId)!), 'lead')", logger: app.services.db.logger)
            #expect(try await app.request(.get, "/v1/tickets/\(t)", token: try await app.token(.handler, unitCode: "SCQ")).status == .ok)
            #expect(try await app.request(.get, "/v1/tickets/\(t)", token: try await app.token(.handler, unitCode: "XHQ")).status == .notFound)

            #expect(try await app.request(.post, "/v1/units", token: admin, json: ["code": "XHQ-NEW", "name": "重复", "level": "street"]).status == .conflict)
            #expect(try await app.request(.post, "/v1/units", token: admin, json: ["code": "Z", "name": "z", "level": "province"]).fieldErrors == ["level"])
            #expect(try await app.request(.post, "/v1/units", token: admin, json: ["code": "Z", "name": "z", "level": "street", "parent_id": "424242"]).fieldErrors == ["parent_id"])
            #expect(try await app.request(.post, "/v1/units", token: admin, json: ["code": "Z", "name": "z", "level": "street", "region_code": "nowhere"]).fieldErrors == ["region_code"])
            #expect(try await app.request(.get, "/v1/units/424242", token: admin).status == .notFound)
            let districts = try await app.request(.get, "/v1/units?level=district", token: admin)
            #expect(districts.items.count == 3)
        }
    }

    @Test func categoriesAndRegions() async throws {
        try await TestApp.with { app in
            let admin = try await app.token(.admin)
            for path in ["/v1/categories", "/v1/regions"] {
                let parent = path.hasSuffix("categories") ? "市政设施" : "330106"
                #expect(try await app.request(.post, path, token: admin, json: ["code": "X1", "name": "新增", "parent_code": parent]).status == .created)
                #expect(try await app.request(.post, path, token: admin, json: ["code": "X1", "name": "新增"]).status == .conflict)
                #expect(try await app.request(.post, path, token: admin, json: ["code": "X2", "name": "孤儿", "parent_code": "nope"]).fieldErrors == ["parent_code"])
                #expect(try await app.request(.post, path, token: admin, json: ["code": "a b", "name": ""]).fieldErrors == ["code", "name"])
                let list = try await app.request(.get, path, token: admin)
                #expect(list.items.contains { $0["code"] as? String == "X1" && $0["parent_code"] as? String == parent })
            }
        }
    }
}
