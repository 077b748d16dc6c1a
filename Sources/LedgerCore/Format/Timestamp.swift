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
    /// (`2026-11-29`, meaning its midnight UTC) into milliseconds since the epoch; nil when the text is
    /// not a valid time (see ``problem(with:)`` for the rules and the reason).
    public static func parse(_ text: String) -> Int64? {
        switch check(text) {
        case .success(let ms): ms
        case .failure: nil
        }
    }

    /// Why `text` is not a valid time, or nil when it is one.
    ///
    /// The rules: a real calendar date (proleptic Gregorian, leap years included) in the years 0001–9999;
    /// hours 00–23, minutes and seconds 00–59 (a leap second, `:60`, is refused: the ledger's clock is
    /// POSIX time, which never shows one); an offset `Z` or `±hh:mm` within ±23:59; and the instant, once
    /// converted to UTC, still in the years 0001–9999 (so that the ledger's normal form sorts as text).
    public static func problem(with text: String) -> String? {
        switch check(text) {
        case .success: nil
        case .failure(let problem): problem.reason
        }
    }

    /// Why a text is not a valid time.
    public struct Problem: Error, Sendable, Equatable {
        /// The reason, in words.
        public var reason: String
    }

    /// The earliest instant the ledger accepts: 0001-01-01T00:00:00.000Z.
    public static let earliestMilliseconds = Int64(daysFromCivil(year: 1, month: 1, day: 1)) * 86_400_000
    /// The latest instant the ledger accepts: 9999-12-31T23:59:59.999Z.
    public static let latestMilliseconds = Int64(daysFromCivil(year: 10_000, month: 1, day: 1)) * 86_400_000 - 1

    /// Milliseconds since the epoch, or why the text is not a valid time.
    public static func check(_ text: String) -> Result<Int64, Problem> {
        check(utf8: Array(text.utf8))
    }

    /// `parse` of UTF-8 bytes (e.g. a database column read in place), with the same rules, without
    /// building a String first.
    static func parse(utf8 bytes: UnsafeRawBufferPointer) -> Int64? {
        if let ms = normalForm(bytes) { return ms }
        return try? check(utf8: bytes).get()
    }

    /// The ledger's normal form (`2026-11-29T03:20:55.123Z`, exactly 24 bytes) read directly, by the
    /// rules of `check` (a real date, hours, minutes and seconds in range); nil for any other shape or
    /// an invalid value, which `check` then decides. The fast path of reports' timelines.
    @inline(__always)
    private static func normalForm(_ s: UnsafeRawBufferPointer) -> Int64? {
        guard s.count == 24, s[4] == 0x2D, s[7] == 0x2D, s[10] == 0x54, s[13] == 0x3A, s[16] == 0x3A, s[19] == 0x2E,
            s[23] == 0x5A
        else { return nil }
        var valid = true
        func number(_ from: Int, _ count: Int) -> Int {
            var value = 0
            for i in from..<from + count {
                let digit = Int(s[i]) &- 48
                if digit < 0 || digit > 9 { valid = false }
                value = value &* 10 &+ digit
            }
            return value
        }
        let year = number(0, 4), month = number(5, 2), day = number(8, 2)
        let hour = number(11, 2), minute = number(14, 2), second = number(17, 2), millis = number(20, 3)
        guard valid, year >= 1, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24,
            minute < 60, second < 60
        else { return nil }
        let days = Int64(daysFromCivil(year: year, month: month, day: day))
        return (days * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1000 + Int64(millis)
    }

    /// `check` of UTF-8 bytes: the one implementation of the rules.
    static func check<Bytes: RandomAccessCollection>(utf8 s: Bytes) -> Result<Int64, Problem>
    where Bytes.Element == UInt8, Bytes.Index == Int {
        func fail(_ reason: String) -> Result<Int64, Problem> { .failure(Problem(reason: reason)) }
        let shape = "it is not RFC 3339 (2026-11-29T14:05:00Z, 2026-11-29T15:05:00+01:00) or a date (2026-11-29)"
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= s.count else { return nil }
            var v = 0
            for c in s[from..<from + count] {
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let year = num(0, 4), s.count >= 10, s[4] == 45, let month = num(5, 2), s[7] == 45, let day = num(8, 2)
        else { return fail(shape) }
        guard year >= 1 else { return fail("the year must be 0001 to 9999") }
        guard (1...12).contains(month) else { return fail("the month must be 01 to 12") }
        let monthDays = daysIn(month: month, year: year)
        guard (1...monthDays).contains(day) else {
            return fail("day \(day) does not exist: that month has \(monthDays) days")
        }
        var hour = 0, minute = 0, second = 0, millis = 0, offsetSeconds = 0
        var i = 10
        if s.count > 10 {
            guard s[10] == UInt8(ascii: "T") || s[10] == UInt8(ascii: "t") || s[10] == UInt8(ascii: " "),
                let h = num(11, 2), s.count > 13, s[13] == 58, let m = num(14, 2), s.count > 16, s[16] == 58,
                let sec = num(17, 2)
            else { return fail(shape) }
            guard h < 24 else { return fail("the hour must be 00 to 23") }
            guard m < 60 else { return fail("the minutes must be 00 to 59") }
            guard sec < 60 else { return fail("the seconds must be 00 to 59 (leap seconds are not accepted)") }
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
                guard digits > 0 else { return fail(shape) }
                if digits < 3 { for _ in digits..<3 { millis *= 10 } }
            }
            guard i < s.count else { return fail("the time has no offset: end it with Z or ±hh:mm") }
            if s[i] == UInt8(ascii: "Z") || s[i] == UInt8(ascii: "z") {
                i += 1
            } else if s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
                guard let oh = num(i + 1, 2), i + 3 < s.count, s[i + 3] == 58, let om = num(i + 4, 2) else { return fail(shape) }
                guard oh < 24, om < 60 else { return fail("the offset must be within ±23:59") }
                offsetSeconds = (oh * 3600 + om * 60) * (s[i] == UInt8(ascii: "+") ? 1 : -1)
                i += 6
            } else {
                return fail(shape)
            }
        }
        guard i == s.count else { return fail(shape) }
        let days = daysFromCivil(year: year, month: month, day: day)
        let total = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        let ms = total * 1000 + Int64(millis)
        guard ms >= earliestMilliseconds, ms <= latestMilliseconds else {
            return fail("in UTC it falls outside the years 0001 to 9999")
        }
        return .success(ms)
    }

    /// The number of days of `month` in `year` (proleptic Gregorian).
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
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
