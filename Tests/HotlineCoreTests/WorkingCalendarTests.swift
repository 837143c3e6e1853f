import Foundation
import Testing
@testable import HotlineCore

/// The official 2025–2026 calendar, read from the seed file the service loads.
let officialCalendar: WorkingCalendar = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    let text = try! String(contentsOf: url.appendingPathComponent("db/seed/calendar-cn.csv"), encoding: .utf8)
    let table = try! CSVTable(text: text, required: ["date", "kind"])
    var ex: [LocalDay: WorkingCalendar.Kind] = [:]
    for row in table.rows {
        let v = table.values(row)
        ex[LocalDay(iso: v["date"]!)!] = WorkingCalendar.Kind(rawValue: v["kind"]!)!
    }
    return WorkingCalendar(exceptions: ex)
}()

@Suite struct WorkingCalendarTests {
    let zone = try! ServiceClockZone()
    var calc: DeadlineCalculator { DeadlineCalculator(calendar: officialCalendar, zone: zone) }

    func t(_ s: String) -> Date { Timestamp.parse(s)! }
    func deadline(_ from: String, _ n: Int) -> String {
        Timestamp.format(calc.deadline(from: t(from), ClockLength(n, .workingDays)), in: zone.timeZone)
    }

    @Test func weekdaysAndOrdinals() {
        #expect(LocalDay(year: 1970, month: 1, day: 1).weekday == 4)
        #expect(LocalDay(year: 2026, month: 11, day: 21).weekday == 6)
        #expect(LocalDay(year: 2026, month: 11, day: 23).weekday == 1)
        #expect(LocalDay(year: 2026, month: 2, day: 28).adding(days: 1) == LocalDay(year: 2026, month: 3, day: 1))
        #expect(LocalDay(iso: "2026-02-29") == nil && LocalDay(iso: "2028-02-29") != nil && LocalDay(iso: "2026-1-01") == nil)
    }

    @Test func ordinaryWeek() {
        #expect(deadline("2026-11-20T10:00:00+08:00", 1) == "2026-11-24T00:00:00+08:00")  // Fri → end of Mon
        #expect(deadline("2026-11-20T10:00:00+08:00", 5) == "2026-11-28T00:00:00+08:00")  // → end of next Fri
        #expect(deadline("2026-11-21T09:00:00+08:00", 1) == "2026-11-24T00:00:00+08:00")  // starts on Saturday
        #expect(deadline("2026-11-22T23:59:59+08:00", 1) == "2026-11-24T00:00:00+08:00")  // late Sunday evening
        #expect(deadline("2026-11-23T00:00:00+08:00", 1) == "2026-11-25T00:00:00+08:00")  // Monday midnight: next day counts
    }

    @Test func lateEveningInUTCIsTheNextDayInShanghai() {
        // 16:30Z on Tuesday is 00:30 Wednesday in Shanghai: counting starts Thursday.
        #expect(deadline("2026-11-24T16:30:00Z", 1) == "2026-11-27T00:00:00+08:00")
        #expect(deadline("2026-11-24T15:59:59Z", 1) == "2026-11-26T00:00:00+08:00")
    }

    @Test func springFestival2026() {
        #expect(deadline("2026-02-13T10:00:00+08:00", 1) == "2026-02-15T00:00:00+08:00")  // Sat 14th is a make-up day
        #expect(deadline("2026-02-13T10:00:00+08:00", 2) == "2026-02-25T00:00:00+08:00")  // then holidays until Tue 24th
        #expect(deadline("2026-02-14T09:00:00+08:00", 1) == "2026-02-25T00:00:00+08:00")  // start on the make-up Saturday
        #expect(deadline("2026-02-14T09:00:00+08:00", 5) == "2026-03-01T00:00:00+08:00")  // 24,25,26,27 and make-up Sat 28
        #expect(deadline("2026-02-18T12:00:00+08:00", 1) == "2026-02-25T00:00:00+08:00")  // start inside the holiday
        #expect(deadline("2026-02-23T12:00:00+08:00", 1) == "2026-02-25T00:00:00+08:00")  // start on the last holiday
    }

    @Test func nationalDay2025() {
        #expect(deadline("2025-09-26T17:00:00+08:00", 1) == "2025-09-29T00:00:00+08:00")  // make-up Sunday 28th
        #expect(deadline("2025-09-30T23:30:00+08:00", 5) == "2025-10-15T00:00:00+08:00")  // 9,10,11(Sat),13,14
        #expect(deadline("2025-09-30T16:30:00Z", 1) == "2025-10-10T00:00:00+08:00")      // 00:30 on Oct 1 in Shanghai
        #expect(deadline("2025-10-10T10:00:00+08:00", 1) == "2025-10-12T00:00:00+08:00")  // make-up Saturday 11th
    }

    @Test func nationalDay2026() {
        #expect(deadline("2026-09-18T10:00:00+08:00", 1) == "2026-09-21T00:00:00+08:00")  // make-up Sunday 20th
        #expect(deadline("2026-09-24T10:00:00+08:00", 1) == "2026-09-29T00:00:00+08:00")  // Mid-Autumn Fri 25th
        #expect(deadline("2026-09-30T10:00:00+08:00", 1) == "2026-10-09T00:00:00+08:00")
        #expect(deadline("2026-09-30T10:00:00+08:00", 3) == "2026-10-11T00:00:00+08:00")  // 8, 9, make-up Sat 10
        #expect(deadline("2026-10-03T10:00:00+08:00", 5) == "2026-10-14T00:00:00+08:00")  // 8, 9, make-up Sat 10, 12, 13
    }

    @Test func naturalTimeIgnoresTheCalendar() {
        let from = t("2026-02-16T23:30:00+08:00")  // a Spring Festival holiday, late evening
        #expect(calc.deadline(from: from, ClockLength(1, .hours)) == t("2026-02-17T00:30:00+08:00"))
        #expect(calc.deadline(from: from, ClockLength(15, .minutes)) == t("2026-02-16T23:45:00+08:00"))
        #expect(calc.deadline(from: from, ClockLength(24, .hours)) == t("2026-02-17T23:30:00+08:00"))
    }

    @Test func extensionsAndReminders() {
        let d = t("2026-11-28T00:00:00+08:00")  // end of Friday 27th
        #expect(calc.extend(d, workingDays: 2, naturalTime: false) == t("2026-12-02T00:00:00+08:00"))
        #expect(calc.extend(t("2026-09-30T00:00:00+08:00"), workingDays: 1, naturalTime: false) == t("2026-10-01T00:00:00+08:00"))
        #expect(calc.extend(t("2026-10-01T00:00:00+08:00"), workingDays: 1, naturalTime: false) == t("2026-10-09T00:00:00+08:00"))
        #expect(calc.extend(d, workingDays: 2, naturalTime: true) == t("2026-11-30T00:00:00+08:00"))
        #expect(calc.reminderTime(start: t("2026-11-20T10:00:00+08:00"), deadline: d, unit: .workingDays) == t("2026-11-27T00:00:00+08:00"))
        // A one-day clock started late on the day before: the reminder is not before the start.
        let s = t("2026-11-23T23:00:00+08:00")
        #expect(calc.reminderTime(start: s, deadline: t("2026-11-25T00:00:00+08:00"), unit: .workingDays) == t("2026-11-24T00:00:00+08:00"))
        #expect(calc.reminderTime(start: s, deadline: s.addingTimeInterval(3600), unit: .hours) == s.addingTimeInterval(2700))
    }

    @Test func regionalOverrideWins() {
        var cal = officialCalendar
        let day = LocalDay(year: 2026, month: 11, day: 23)
        cal.regional["330106"] = [day: .holiday]  // a local holiday in one district
        #expect(cal.isWorkingDay(day))
        #expect(!cal.isWorkingDay(day, region: "330106"))
        #expect(cal.nthWorkingDay(after: LocalDay(year: 2026, month: 11, day: 20), 1, region: "330106") == LocalDay(year: 2026, month: 11, day: 24))
    }

    /// Property: for many random starts and lengths, the calculator agrees with a brute-force
    /// walker that uses Foundation's calendar for weekdays and day stepping.
    @Test func agreesWithBruteForceWalker() {
        var greg = Calendar(identifier: .gregorian)
        greg.timeZone = zone.timeZone
        func walker(_ start: Date, _ n: Int) -> Date {
            var day = greg.startOfDay(for: start)
            var count = 0
            while count < n {
                day = greg.date(byAdding: .day, value: 1, to: day)!
                let c = greg.dateComponents([.year, .month, .day, .weekday], from: day)
                let local = LocalDay(year: c.year!, month: c.month!, day: c.day!)
                let weekend = c.weekday == 1 || c.weekday == 7
                let working = officialCalendar.exceptions[local].map { $0 == .workday } ?? !weekend
                if working { count += 1 }
            }
            return greg.date(byAdding: .day, value: 1, to: day)!
        }
        var x: UInt64 = 12345
        let base = t("2025-01-01T00:00:00+08:00").timeIntervalSince1970
        for _ in 0..<3000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let offset = Double((x >> 11) % (2 * 365 * 86400))
            let n = Int((x >> 3) % 15) + 1
            let start = Date(timeIntervalSince1970: base + offset)
            let got = calc.deadline(from: start, ClockLength(n, .workingDays))
            #expect(got == walker(start, n), "\(Timestamp.format(start, in: zone.timeZone)) + \(n)")
        }
    }
}
