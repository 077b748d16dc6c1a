#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// RFC 3339 UTC timestamps with milliseconds, as the ledger format requires: `2026-11-29T03:20:55.123Z`.
public enum Timestamp {
    /// The current time.
    public static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return format(epochMilliseconds: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }

    /// Formats milliseconds since the Unix epoch.
    public static func format(epochMilliseconds ms: Int64) -> String {
        var seconds = time_t(ms.floorDiv(1000))
        let millis = Int(ms - ms.floorDiv(1000) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(millis, 3))Z"
    }

    /// Parses RFC 3339 (`2026-11-29T03:20:55Z`, with optional fraction and offset) or a bare date
    /// (`2026-11-29`, meaning its midnight UTC) into milliseconds since the epoch.
    public static func parse(_ text: String) -> Int64? {
        let s = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= s.count else { return nil }
            var v = 0
            for c in s[from..<from + count] {
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let year = num(0, 4), s.count >= 10, s[4] == 45, let month = num(5, 2), s[7] == 45, let day = num(8, 2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var hour = 0, minute = 0, second = 0, millis = 0, offsetSeconds = 0
        var i = 10
        if s.count > 10 {
            guard s[10] == UInt8(ascii: "T") || s[10] == UInt8(ascii: "t") || s[10] == UInt8(ascii: " "),
                let h = num(11, 2), s.count > 13, s[13] == 58, let m = num(14, 2), s.count > 16, s[16] == 58,
                let sec = num(17, 2), h < 24, m < 60, sec < 61
            else { return nil }
            hour = h; minute = m; second = sec
            i = 19
            if i < s.count, s[i] == UInt8(ascii: ".") {
                i += 1
                var digits = 0
                while i < s.count, s[i] >= 48, s[i] <= 57 {
                    if digits < 3 { millis = millis * 10 + Int(s[i] - 48) }
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                if digits < 3 { for _ in digits..<3 { millis *= 10 } }
            }
            guard i < s.count else { return nil }
            if s[i] == UInt8(ascii: "Z") || s[i] == UInt8(ascii: "z") {
                i += 1
            } else if s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
                guard let oh = num(i + 1, 2), i + 3 < s.count, s[i + 3] == 58, let om = num(i + 4, 2) else { return nil }
                offsetSeconds = (oh * 3600 + om * 60) * (s[i] == UInt8(ascii: "+") ? 1 : -1)
                i += 6
            } else {
                return nil
            }
        }
        guard i == s.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let total = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return total * 1000 + Int64(millis)
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension Int64 {
    fileprivate func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
