import Foundation
import HotlineCore
import Testing

@Suite struct KnowledgeLearningRulesTests {
    @Test func scrubbingTakesOutWhatIdentifiesACallerAndKeepsTheMatter() {
        let known = PersonalData.Known(name: "欧阳娜娜", phone: "13800138000", address: "西溪路 88 号 2 幢 301 室")
        let text = "我叫欧阳娜娜，手机 138 0013 8000，身份证33010619900101123X，住西溪路 88 号 2 幢 301 室。"
            + "车牌浙A·12345 的车天天堵在楼下消防通道，欧阳女士多次找物业王先生没用，邮箱 nana@example.com，文一西路100弄3号门口也一样"
        let s = PersonalData.scrub(text, known: known)
        for secret in ["欧阳娜娜", "欧阳女士", "13800138000", "138 0013 8000", "0013", "33010619900101123X", "1990", "西溪路 88 号",
                       "301", "浙A", "12345", "王先生", "nana@", "example.com", "文一西路100弄", "3号"] {
            #expect(!s.contains(secret), "\(secret) left in \(s)")
        }
        for kept in ["车天天堵在楼下消防通道", "多次找物业", "没用", "门口也一样"] { #expect(s.contains(kept), "\(kept) lost from \(s)") }
        // Short numbers (a time, an amount) are not personal and stay.
        #expect(PersonalData.scrub("每天晚上10点以后还在施工，罚款500元") == "每天晚上10点以后还在施工，罚款500元")
        #expect(PersonalData.scrub("我是张三，想问被裁员了怎么办", greedy: true) == "，想问被裁员了怎么办")
    }

    @Test func aPhrasingIsLearnedOnceACallerMergedWhenNearlyTheSameAndBounded() {
        let a = LearnedPhrasing.text(title: "对门的狗整夜叫", content: "对门邻居家的狗每天晚上叫个不停，吵得睡不着", known: .init())!
        let fa = LearnedPhrasing.fingerprint(a)
        let near = LearnedPhrasing.fingerprint(LearnedPhrasing.text(title: "对门的狗整夜叫", content: "对门邻居家的狗每天晚上叫个不停，吵得根本睡不着", known: .init())!)
        let other = LearnedPhrasing.fingerprint("楼上装修电钻声从早响到晚")
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let existing = [LearnedPhrasing.Existing(id: 1, fingerprint: fa, weight: 3, removed: false, learnedAt: t0)]
        #expect(LearnedPhrasing.decide(near, existing: existing, callerTaught: false) == .merge(id: 1))
        #expect(LearnedPhrasing.decide(near, existing: existing, callerTaught: true) == .skip("this caller already taught the entry"))
        #expect(LearnedPhrasing.decide(other, existing: existing, callerTaught: false) == .add(displacing: nil))
        var removed = existing; removed[0].removed = true
        #expect(LearnedPhrasing.decide(near, existing: removed, callerTaught: false) == .skip("an owner removed these words"))
        // At the cap, the lightest and then oldest phrasing makes room.
        var full: [LearnedPhrasing.Existing] = []
        for i in 0..<LearnedPhrasing.cap {
            let words: String = "第\(i)种说法" + String(repeating: "甲乙丙丁", count: i % 7 + 1) + "\(i)"
            let weight = i == 7 || i == 9 ? 1 : 2
            let at = t0.addingTimeInterval(i == 9 ? -60 : Double(i))
            full.append(.init(id: Int64(100 + i), fingerprint: LearnedPhrasing.fingerprint(words), weight: weight, removed: false, learnedAt: at))
        }
        #expect(LearnedPhrasing.decide(other, existing: full, callerTaught: false) == .add(displacing: 109))
        // Nothing meaningful left once personal data is gone: nothing to learn.
        #expect(LearnedPhrasing.text(title: "张三", content: "13800138000", known: .init(name: "张三")) == nil)
        #expect(LearnedPhrasing.text(title: String(repeating: "路灯不亮", count: 80), content: "", known: .init())?.count == LearnedPhrasing.maxLength)
    }

    @Test func gapsGroupWordingsAndLeaveOutSearchesThatWereUsed() {
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        let searches = [
            KnowledgeGaps.Search(query: "无人机航拍要审批吗", at: t, topScore: 0.1, used: false),
            KnowledgeGaps.Search(query: "无人机航拍要审批吗？", at: t.addingTimeInterval(60), topScore: nil, used: false),
            KnowledgeGaps.Search(query: "航拍无人机要审批吗", at: t.addingTimeInterval(120), topScore: 0.5, used: false),
            KnowledgeGaps.Search(query: "路灯不亮", at: t, topScore: 0.8, used: true),
            KnowledgeGaps.Search(query: "宠物狗办证", at: t.addingTimeInterval(30), topScore: 0.6, used: false),
        ]
        let gaps = KnowledgeGaps.group(searches)
        #expect(gaps.count == 2)
        #expect(gaps[0].searches == 3 && gaps[0].nothingFound == 2 && gaps[0].notUsed == 1, "\(gaps)")
        #expect(gaps[0].firstAt == t && gaps[0].lastAt == t.addingTimeInterval(120))
        #expect(gaps[1].query == "宠物狗办证" && gaps[1].notUsed == 1 && gaps[1].nothingFound == 0)
    }
}
