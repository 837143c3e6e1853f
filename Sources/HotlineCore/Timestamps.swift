import Foundation

/// RFC 3339 timestamps as the API speaks them: always with an offset; output in the service's
/// zone (`2026-11-21T09:30:00+08:00`), with milliseconds only when they are not zero.
public enum Timestamp {
    /// Parses `2026-11-21T09:30:00+08:00`, `2026-11-21T01:30:00Z`, `…:00.250+08:00`.
    /// A time without an offset is refused: the caller must say which zone it means.
    public static func parse(_ s: String) -> Date? {
        let u = Array(s.utf8)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= u.count else { return nil }
            var v = 0
            for i in from..<(from + len) {
                let c = u[i]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard u.count >= 20,
              let year = num(0, 4), u[4] == UInt8(ascii: "-"), let month = num(5, 2), u[7] == UInt8(ascii: "-"),
              let day = num(8, 2), u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: "t") || u[10] == UInt8(ascii: " "),
              let hour = num(11, 2), u[13] == UInt8(ascii: ":"), let minute = num(14, 2), u[16] == UInt8(ascii: ":"),
              let second = num(17, 2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        var fraction = 0.0
        if i < u.count && u[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            let start = i
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                fraction += Double(u[i] - 48) * scale
                scale /= 10
                i += 1
            }
            if i == start || i - start > 9 { return nil }
        }
        guard i < u.count else { return nil }
        var offset = 0
        if u[i] == UInt8(ascii: "Z") || u[i] == UInt8(ascii: "z") {
            guard i + 1 == u.count else { return nil }
        } else if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
            guard i + 6 == u.count, let oh = num(i + 1, 2), u[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2),
                  oh < 24, om < 60 else { return nil }
            offset = (oh * 3600 + om * 60) * (u[i] == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        // Days per month, including leap years, so 2026-02-30 is refused rather than rolled over.
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= monthDays[month - 1] else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Double(days * 86400 + hour * 3600 + minute * 60 + min(second, 59) - offset) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    /// Formats in the given zone with its offset.
    public static func format(_ date: Date, in zone: TimeZone) -> String {
        let totalMillis = (date.timeIntervalSince1970 * 1000).rounded()
        let offset = zone.secondsFromGMT(for: date)
        let localMillis = Int64(totalMillis) + Int64(offset) * 1000
        let millis = Int((localMillis % 1000 + 1000) % 1000)
        let localSeconds = (localMillis - Int64(millis)) / 1000
        let days = Int(floorDiv(localSeconds, 86400))
        let secOfDay = Int(localSeconds - Int64(days) * 86400)
        let (y, m, d) = civilFromDays(days)
        var s = Digits(capacity: 29)
        s.append(y, width: 4); s.append("-"); s.append(m, width: 2); s.append("-"); s.append(d, width: 2); s.append("T")
        s.append(secOfDay / 3600, width: 2); s.append(":"); s.append((secOfDay % 3600) / 60, width: 2); s.append(":"); s.append(secOfDay % 60, width: 2)
        if millis != 0 { s.append("."); s.append(millis, width: 3) }
        if offset == 0 { s.append("Z"); return s.string }
        let a = abs(offset)
        s.append(offset < 0 ? "-" : "+"); s.append(a / 3600, width: 2); s.append(":"); s.append((a % 3600) / 60, width: 2)
        return s.string
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
