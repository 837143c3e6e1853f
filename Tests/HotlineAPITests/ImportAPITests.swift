import Foundation
import HotlineTestSupport
import Testing

@Suite struct ImportAPITests {
    @Test func referenceImportReportsBadLinesKeepsGoodOnesAndReimportIsANoOp() async throws {
        try await TestApp.with { app in
            let admin = try await app.token(.admin)
            let csv = """
                code,name,parent_code,level,region_code
                D1,新区政府,CITY,district,330100
                D1-S1,新区一街道,D1,street,
                BAD,坏层级,CITY,province,
                ,没有代码,CITY,street,
                D1-S2,"二街道, 含逗号",D1,street,
                ORPHAN,孤儿,NOPE,street,

                """
            let r = try await app.csv("/v1/imports/units", token: admin, csv)
            #expect(r.status == .ok)
            #expect(r.json["accepted"] as? Int == 3)
            #expect(r.json["created"] as? Int == 3)
            let rejected = try #require(r.json["rejected"] as? [[String: Any]])
            #expect(rejected.map { $0["line"] as? Int } == [4, 5, 7])
            let fields = rejected.map { ($0["errors"] as? [[String: Any]] ?? []).map { $0["field"] as? String ?? "" } }
            #expect(fields == [["level"], ["code"], ["parent_code"]])
            let again = try await app.csv("/v1/imports/units", token: admin, csv)
            #expect(again.json["created"] as? Int == 0 && again.json["updated"] as? Int == 0 && again.json["unchanged"] as? Int == 3)
            let units = try await app.request(.get, "/v1/units", token: admin)
            #expect(units.items.contains { $0["name"] as? String == "二街道, 含逗号" })

            let hot = try await app.csv("/v1/imports/hotlines", token: admin, "number,name,department,merge_mode,note,default_unit_code\n12315,市场监管投诉举报热线,市场监督管理局,parallel,改了备注,SCJG\n1x,坏,部门,whole,,\n")
            #expect(hot.json["accepted"] as? Int == 1 && hot.json["updated"] as? Int == 1)
            #expect(try await app.csv("/v1/imports/hotlines", token: admin, "number,name\n1,2\n").status == .badRequest)  // header lacks columns
            #expect(try await app.csv("/v1/imports/kb", token: admin, "a\n1\n").status == .badRequest)
            #expect(try await app.csv("/v1/imports/nope", token: admin, "a\n1\n").status == .notFound)
            #expect(try await app.request(.post, "/v1/imports/units", token: admin, raw: Array("x".utf8), headers: [.contentType: "application/json"]).status == .unsupportedMediaType)
        }
    }

    @Test func legacyBacklogImportNothingLostNothingDoubled() async throws {
        try await TestApp.with { app in
            let dispatcher = try await app.token(.dispatcher)
            var lines = ["external_id,hotline_number,channel,received_at,caller_name,caller_phone,caller_address,confidential,anonymous,enterprise,nature,category_code,region_code,title,content,sla_policy"]
            for i in 1...40 {
                lines.append("12315-2026-\(i),12315,phone,2026-10-\(String(format: "%02d", i % 28 + 1))T09:00:00+08:00,李四,1390000\(String(format: "%04d", i)),,false,false,\(i % 5 == 0 ? "是" : "否"),complaint,市场监管/消费投诉,330102,投诉\(i),\"商家拒绝退款，\"\"七天无理由\"\"不认\",standard")
            }
            lines.append("12315-bad-1,12315,fax,2026-10-01T09:00:00+08:00,,,,,,,complaint,,,标题,内容,")       // bad channel
            lines.append(",12315,phone,2026-10-01T09:00:00+08:00,,,,,,,complaint,,,标题,内容,")                // no external id
            lines.append("12315-bad-3,12315,phone,,,,,,,,complaint,,,标题,内容,")                              // no received_at
            lines.append("12315-bad-4,12315,phone,2026-10-01T09:00:00+08:00,,,,maybe,,,complaint,,,标题,内容,") // bad boolean
            lines.append("12315-bad-5,12315,phone,2026-10-01T09:00:00+08:00,,,,,,,complaint,nope,,标题,内容,")  // unknown category
            let csv = lines.joined(separator: "\r\n") + "\r\n"
            let r = try await app.csv("/v1/imports/tickets", token: dispatcher, csv)
            #expect(r.status == .ok)
            #expect(r.json["accepted"] as? Int == 40 && r.json["created"] as? Int == 40)
            let rejected = try #require(r.json["rejected"] as? [[String: Any]])
            #expect(rejected.map { $0["line"] as? Int } == [42, 43, 44, 45, 46])
            let again = try await app.csv("/v1/imports/tickets", token: dispatcher, csv)
            #expect(again.json["created"] as? Int == 0 && again.json["unchanged"] as? Int == 40)
            var count = 0
            for try await n in try await app.services.db.client.query("SELECT count(*) FROM tickets WHERE source = 'import' AND enterprise = (external_id IN ('12315-2026-5','12315-2026-10','12315-2026-15','12315-2026-20','12315-2026-25','12315-2026-30','12315-2026-35','12315-2026-40'))", logger: app.services.db.logger).decode(Int.self) { count = n }
            #expect(count == 40)
            let one = try await app.request(.get, "/v1/tickets?hotline_number=12315&limit=1&received_from=2026-10-01T00:00:00%2B08:00", token: dispatcher).items.first
            #expect((one?["content"] as? String)?.contains("\"七天无理由\"") == true)
            #expect((one?["number"] as? String)?.hasPrefix("202610") == true)
        }
    }
}
