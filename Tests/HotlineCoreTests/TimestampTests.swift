import Foundation
import Testing
@testable import HotlineCore

@Suite struct TimestampTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    @Test func parsesOffsetsAndFractions() throws {
        let a = try #require(Timestamp.parse("2026-11-21T09:30:00+08:00"))
        let b = try #require(Timestamp.parse("2026-11-21T01:30:00Z"))
        #expect(a == b)
        #expect(a.timeIntervalSince1970 == 1_795_224_600)
        let c = try #require(Timestamp.parse("2026-11-21T01:30:00.250Z"))
        #expect(c.timeIntervalSince(b) == 0.25)
        let d = try #require(Timestamp.parse("2026-11-20T20:30:00-05:00"))
        #expect(d == b)
    }

    @Test(arguments: ["2026-11-21T09:30:00", "2026-11-21", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
                      "2026-11-21T24:00:00Z", "2026-11-21T09:30:00+0800", "not a time", "2026-11-21T09:30:00.Z",
                      "2025-02-29T00:00:00Z", "２０２６-11-21T09:30:00Z"])
    func refusesMalformed(_ s: String) {
        #expect(Timestamp.parse(s) == nil)
    }

    @Test func leapDayIsAccepted() {
        #expect(Timestamp.parse("2028-02-29T00:00:00+08:00") != nil)
    }

    @Test func formatsInServiceZoneWithMillisOnlyWhenPresent() throws {
        let t = try #require(Timestamp.parse("2026-11-21T16:00:00Z"))
        #expect(Timestamp.format(t, in: shanghai) == "2026-11-22T00:00:00+08:00")
        #expect(Timestamp.format(t.addingTimeInterval(0.125), in: shanghai) == "2026-11-22T00:00:00.125+08:00")
        #expect(Timestamp.format(t, in: TimeZone(identifier: "UTC")!) == "2026-11-21T16:00:00Z")
    }

    @Test func roundTripsOverManyInstants() {
        var x: UInt64 = 42
        for _ in 0..<2000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let secs = Double(x % 4_000_000_000)
            let date = Date(timeIntervalSince1970: secs)
            let s = Timestamp.format(date, in: shanghai)
            #expect(Timestamp.parse(s) == date, "\(s)")
        }
    }

    @Test func localDayUsesShanghai() throws {
        let zone = try ServiceClockZone()
        let t = try #require(Timestamp.parse("2026-11-21T16:00:00Z"))
        #expect(zone.localDay(of: t) == LocalDay(year: 2026, month: 11, day: 22))
        #expect(zone.localDay(of: t.addingTimeInterval(-1)) == LocalDay(year: 2026, month: 11, day: 21))
    }
}
