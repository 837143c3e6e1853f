import Foundation

/// Personal data (masking is in ReferenceValidation.swift) taken out of a caller's words before they are kept for learning or in the search
/// log: the caller's own name, phone and address as the ticket records them, and whatever looks
/// like a name, a phone or id number, an address, a plate number or an e-mail address in the text.
/// What is left is how callers say the matter (对门的狗整夜叫), which is what search learns from.
///
/// Removal is deliberately greedy: a lost word costs a little recall, a kept phone number is a leak.
extension PersonalData {
    /// What the ticket knows about its caller (each optional).
    public struct Known: Sendable, Equatable {
        public var name: String?
        public var phone: String?
        public var address: String?
        public init(name: String? = nil, phone: String? = nil, address: String? = nil) {
            self.name = name; self.phone = phone; self.address = address
        }
    }

    /// The text without personal data, with runs of spaces collapsed to one. `greedy` also takes
    /// the two or three characters after 我是 / 本人 (a name, usually: what an agent types into a
    /// search box has no ticket to say whose name it is).
    public static func scrub(_ text: String, known: Known = Known(), greedy: Bool = false) -> String {
        var s = text
        // The caller's own data first, literally (an address as the caller gave it, the full name).
        for value in [known.address, known.name].compactMap({ $0?.trimmingCharacters(in: .whitespaces) }) where value.count >= 2 {
            s = s.replacingOccurrences(of: value, with: " ")
        }
        if let name = known.name?.trimmingCharacters(in: .whitespaces), let first = name.first, isHan(first) {
            // 张先生, 王女士, 欧阳先生: the caller named by surname (one or two characters) and form of address.
            for surname in [String(name.prefix(2)), String(first)] where surname.count < name.count || surname.count == 1 {
                for title in honorifics { s = s.replacingOccurrences(of: surname + title, with: " ") }
            }
        }
        if greedy { s = s.replacing(Self.selfIntroduction, with: " ") }
        for pattern in identifiers { s = s.replacing(pattern, with: " ") }
        s = removeDigitRuns(s)
        for pattern in patterns { s = s.replacing(pattern, with: " ") }
        return s.split(whereSeparator: { $0 == " " || $0 == "\u{3000}" || $0 == "\t" || $0.isNewline })
            .joined(separator: " ")
    }

    static let honorifics = ["先生", "女士", "小姐", "阿姨", "师傅", "老师", "大爷", "大妈", "老板", "同志", "某"]

    static func isHan(_ c: Character) -> Bool {
        guard let v = c.unicodeScalars.first?.value, c.unicodeScalars.count == 1 else { return false }
        return ChineseText.isHan(v)
    }

    /// Runs of digits (with spaces, hyphens or dots between them) of 5 digits or more — phone,
    /// id, card and account numbers — and any digit run directly followed by x/X (id numbers).
    static func removeDigitRuns(_ text: String) -> String {
        var out = ""
        var run = ""
        var digits = 0
        func flush() {
            if digits >= 5 { out += " " } else { out += run }
            run = ""; digits = 0
        }
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let digit = c.isASCII && c.isNumber || ("０"..."９").contains(c)
            if digit {
                run.append(c); digits += 1
            } else if digits > 0, c == " " || c == "-" || c == "－" || c == ".", i + 1 < chars.count,
                      chars[i + 1].isASCII && chars[i + 1].isNumber || ("０"..."９").contains(chars[i + 1]) {
                run.append(c)
            } else if digits >= 14, c == "x" || c == "X" {
                run.append(c)
            } else {
                if digits > 0 { flush() }
                out.append(c)
            }
            i += 1
        }
        if digits > 0 { flush() }
        return out
    }

    nonisolated(unsafe) static let selfIntroduction = try! Regex(#"(我是|本人是?)\p{Han}{2,3}"#)

    /// Before digit runs go: what has digits inside it.
    nonisolated(unsafe) static let identifiers: [Regex<AnyRegexOutput>] = [
        // e-mail addresses
        try! Regex(#"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+"#),
        // plate numbers: 浙A12345, 浙A·D1234 (province, letter, five or six letters and digits)
        try! Regex(#"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Za-z][·•\s]?[A-Za-z0-9]{5,6}"#),
    ]

    nonisolated(unsafe) static let patterns: [Regex<AnyRegexOutput>] = [
        // a place named with its number: 西溪路88号, 文一西路 100 弄 3 号, 某某小区 5 幢 2 单元 301 室
        try! Regex(#"\p{Han}{0,8}(路|街|巷|弄|道|村|组|社区|小区|花园|公寓|大厦|广场|苑|府|城)\s*[0-9０-９一二三四五六七八九十百零]+\s*(号|弄|幢|栋|组)"#),
        // building, unit, room and floor numbers
        try! Regex(#"[0-9０-９A-Za-z一二三四五六七八九十百零]+\s*(号楼|号|幢|栋|单元|室|层|楼|户)"#),
        // names said outright: 我叫张三, 名叫李四, 我姓王, 联系人：赵六
        try! Regex(#"(我叫|名叫|姓名|联系人)[:：]?\s*\p{Han}{1,3}"#),
        try! Regex(#"(我姓|免贵姓)\p{Han}"#),
        // a surname and a form of address: 张先生, 王女士, 李师傅
        try! Regex(#"\p{Han}(先生|女士|小姐|阿姨|师傅|大爷|大妈|同志)"#),
    ]
}
