/// A UTC instant split into calendar fields, with the ISO week rules `$fromMillis` needs (no time zone database:
/// JSONata works in UTC plus an explicit offset).
struct CivilTime {
    static let millisPerDay = 86_400_000.0

    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    var millisecond: Int
    let millis: Double

    init(millis: Double) {
        self.millis = millis
        let days = (millis / Self.millisPerDay).rounded(.down)
        var rest = Int(millis - days * Self.millisPerDay)
        (year, month, day) = Self.civil(fromDays: Int(days))
        hour = rest / 3_600_000
        rest %= 3_600_000
        minute = rest / 60000
        rest %= 60000
        second = rest / 1000
        millisecond = rest % 1000
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (month 1–12).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// JavaScript's `Date.UTC` (month 0-based, out-of-range fields carried over).
    static func utc(
        year: Int, month: Int, day: Int = 1, hour: Int = 0, minute: Int = 0, second: Int = 0, millis: Double = 0
    )
        -> Double
    {
        let carry = Int((Double(month) / 12).rounded(.down))
        let normalizedMonth = month - carry * 12
        let dayCount = days(year: year + carry, month: normalizedMonth + 1, day: 1) + day - 1
        return Double(dayCount) * millisPerDay + Double(hour) * 3_600_000 + Double(minute) * 60000 + Double(second)
            * 1000 + millis
    }

    /// Day of week, 0 = Sunday as `getUTCDay`.
    var weekday: Int {
        let days = Int((millis / Self.millisPerDay).rounded(.down))
        return ((days + 4) % 7 + 7) % 7
    }

    private static func startOfFirstWeek(year: Int, month: Int) -> Double {
        let first = utc(year: year, month: month)
        var weekday = CivilTime(millis: first).weekday
        if weekday == 0 { weekday = 7 }
        return weekday > 4
            ? first + Double(8 - weekday) * millisPerDay : first - Double(weekday - 1) * millisPerDay
    }

    private static func deltaWeeks(_ start: Double, _ end: Double) -> Double { (end - start) / (millisPerDay * 7) + 1 }

    /// The value of one picture component (`Y M D d F W w X x H h m s f`).
    func fragment(_ component: Character) -> Int {
        switch component {
        case "Y": return year
        case "M": return month
        case "D": return day
        case "d":
            let today = Self.utc(year: year, month: month - 1, day: day)
            return Int((today - Self.utc(year: year, month: 0)) / Self.millisPerDay) + 1
        case "F": return weekday == 0 ? 7 : weekday
        case "W":
            let start = Self.startOfFirstWeek(year: year, month: 0)
            let today = Self.utc(year: year, month: month - 1, day: day)
            var week = Self.deltaWeeks(start, today)
            if week > 52 {
                if today >= Self.startOfFirstWeek(year: year + 1, month: 0) { week = 1 }
            } else if week < 1 {
                week = Self.deltaWeeks(Self.startOfFirstWeek(year: year - 1, month: 0), today)
            }
            return Int(week.rounded(.down))
        case "w":
            let start = Self.startOfFirstWeek(year: year, month: month - 1)
            let today = Self.utc(year: year, month: month - 1, day: day)
            var week = Self.deltaWeeks(start, today)
            if week > 4 {
                let next = month == 12 ? (year + 1, 0) : (year, month)
                if today >= Self.startOfFirstWeek(year: next.0, month: next.1) { week = 1 }
            } else if week < 1 {
                let previous = month == 1 ? (year - 1, 11) : (year, month - 2)
                week = Self.deltaWeeks(Self.startOfFirstWeek(year: previous.0, month: previous.1), today)
            }
            return Int(week.rounded(.down))
        case "X":
            if millis < Self.startOfFirstWeek(year: year, month: 0) { return year - 1 }
            if millis >= Self.startOfFirstWeek(year: year + 1, month: 0) { return year + 1 }
            return year
        case "x":
            let next = month == 12 ? (year + 1, 0) : (year, month)
            if millis < Self.startOfFirstWeek(year: year, month: month - 1) { return month == 1 ? 12 : month - 1 }
            if millis >= Self.startOfFirstWeek(year: next.0, month: next.1) { return next.1 + 1 }
            return month
        case "H": return hour
        case "h": return hour % 12 == 0 ? 12 : hour % 12
        case "m": return minute
        case "s": return second
        case "f": return millisecond
        default: return 0
        }
    }
}
