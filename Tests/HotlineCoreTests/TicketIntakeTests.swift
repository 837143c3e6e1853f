import Foundation
import Testing
@testable import HotlineCore

@Suite struct TicketIntakeTests {
    let now = Timestamp.parse("2026-11-21T10:00:00+08:00")!

    func valid() -> TicketIntake.Raw {
        var r = TicketIntake.Raw()
        r.hotlineNumber = "12315"; r.channel = "phone"; r.nature = "complaint"
        r.title = "  超市出售过期食品 "; r.content = "牛奶过期三天。\n要求处理。"
        r.caller = .init(name: "张三", phone: "+86 138 0013 8000", address: nil)
        return r
    }

    func fields(_ raw: TicketIntake.Raw) -> [String] {
        do { _ = try TicketIntake.validate(raw, now: now); return [] } catch { return error.errors.map(\.field) }
    }

    @Test func validIntakeIsTrimmedAndNormalized() throws {
        let t = try TicketIntake.validate(valid(), now: now)
        #expect(t.title == "超市出售过期食品")
        #expect(t.caller?.phone == "13800138000")
        #expect(t.channel == .phone && t.nature == .complaint)
        #expect(t.receivedAt == nil)
    }

    @Test func everyMissingRequiredFieldIsReported() {
        #expect(fields(TicketIntake.Raw()) == ["hotline_number", "channel", "nature", "title", "content"])
    }

    @Test func eachInvalidFieldIsNamed() {
        var r = valid(); r.channel = "fax"; #expect(fields(r) == ["channel"])
        r = valid(); r.nature = "COMPLAINT"; #expect(fields(r) == ["nature"])
        r = valid(); r.hotlineNumber = "12a45"; #expect(fields(r) == ["hotline_number"])
        r = valid(); r.title = "   "; #expect(fields(r) == ["title"])
        r = valid(); r.title = String(repeating: "长", count: 201); #expect(fields(r) == ["title"])
        r = valid(); r.title = "a\u{0007}b"; #expect(fields(r) == ["title"])
        r = valid(); r.content = String(repeating: "字", count: 10_001); #expect(fields(r) == ["content"])
        r = valid(); r.receivedAt = "yesterday"; #expect(fields(r) == ["received_at"])
        r = valid(); r.receivedAt = "2026-11-21T11:00:00+08:00"; #expect(fields(r) == ["received_at"])
        r = valid(); r.receivedAt = "1999-12-31T00:00:00+08:00"; #expect(fields(r) == ["received_at"])
        r = valid(); r.externalId = String(repeating: "x", count: 101); #expect(fields(r) == ["external_id"])
        r = valid(); r.caller = .init(name: nil, phone: "call me", address: nil); #expect(fields(r) == ["caller.phone"])
        r = valid(); r.caller = .init(name: String(repeating: "名", count: 101)); #expect(fields(r) == ["caller.name"])
        r = valid(); r.caller = .init(address: String(repeating: "址", count: 501)); #expect(fields(r) == ["caller.address"])
        r = valid(); r.anonymous = true; #expect(fields(r) == ["caller"])
        r = valid(); r.categoryCode = "has space"; #expect(fields(r) == [])  // free text code; existence checked by the store
    }

    @Test func multilineContentKeepsNewlinesButTitleDoesNot() {
        var r = valid(); r.title = "a\nb"; #expect(fields(r) == ["title"])
        r = valid(); r.content = "a\nb\tc"; #expect(fields(r) == [])
    }

    @Test func anonymousWithEmptyCallerStoresNoCaller() throws {
        var r = valid(); r.anonymous = true; r.caller = .init(name: "", phone: " ", address: nil)
        let t = try TicketIntake.validate(r, now: now)
        #expect(t.caller == nil && t.anonymous)
    }

    @Test func canonicalTextIgnoresFormattingButNotMeaning() throws {
        let a = try TicketIntake.validate(valid(), now: now)
        var r = valid(); r.caller = .init(name: "张三", phone: "13800138000")
        let b = try TicketIntake.validate(r, now: now)
        #expect(a.canonicalText == b.canonicalText)
        r.content = "别的内容"
        #expect(try TicketIntake.validate(r, now: now).canonicalText != a.canonicalText)
    }
}
