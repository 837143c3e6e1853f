import Foundation

/// 《全国年节及纪念日放假办法》 (2025 revision): the days every year is off by law, before the State
/// Council's notice for that year adds bridges and make-up working days. A year whose notice is not
/// loaded yet counts these (and weekends) as non-working, and its deadlines are provisional.
public enum StatutoryHolidays {
    /// The years the rule is computed for (the solar-term formula's century).
    public static let years: ClosedRange<Int> = 2000...2099

    /// New Year's Day; Spring Festival eve and the first three lunar days; Qingming (solar term);
    /// Labour Day 1–2 May; Dragon Boat (5/5 lunar); Mid-Autumn (15/8 lunar); National Day 1–3 Oct.
    public static func days(_ year: Int) -> [LocalDay] {
        guard years.contains(year) else { return [] }
        var out = [LocalDay(year: year, month: 1, day: 1)]
        if let newYear = lunar(year, month: 1, day: 1, searchFrom: (1, 15), days: 45) {
            out += (-1...2).map { newYear.adding(days: $0) }
        }
        out.append(qingming(year))
        out += [LocalDay(year: year, month: 5, day: 1), LocalDay(year: year, month: 5, day: 2)]
        if let d = lunar(year, month: 5, day: 5, searchFrom: (5, 20), days: 45) { out.append(d) }
        if let d = lunar(year, month: 8, day: 15, searchFrom: (9, 5), days: 40) { out.append(d) }
        out += (1...3).map { LocalDay(year: year, month: 10, day: $0) }
        return out
    }

    /// 清明: the day the sun reaches 15° of longitude, by the 21st-century formula [Y·0.2422 + 4.81] − [Y/4].
    public static func qingming(_ year: Int) -> LocalDay {
        let y = year % 100
        return LocalDay(year: year, month: 4, day: Int(Double(y) * 0.2422 + 4.81) - y / 4)
    }

    /// The Gregorian day of a (non-leap) lunar month and day, searched from a Gregorian day.
    static func lunar(_ year: Int, month: Int, day: Int, searchFrom start: (Int, Int), days: Int) -> LocalDay? {
        var chinese = Calendar(identifier: .chinese)
        chinese.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let first = LocalDay(year: year, month: start.0, day: start.1)
        for offset in 0..<days {
            let d = first.adding(days: offset)
            let noon = Date(timeIntervalSince1970: Double(d.ordinal) * 86400 + 4 * 3600)  // 12:00 in UTC+8
            let c = chinese.dateComponents([.month, .day, .isLeapMonth], from: noon)
            if c.month == month, c.day == day, c.isLeapMonth != true { return d }
        }
        return nil
    }
}
