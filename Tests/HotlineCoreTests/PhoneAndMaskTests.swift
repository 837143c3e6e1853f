import Testing
@testable import HotlineCore

@Suite struct PhoneAndMaskTests {
    @Test(arguments: [
        ("138 0013 8000", "13800138000"), ("+86-138-0013-8000", "13800138000"), ("008613800138000", "13800138000"),
        ("010-12345678", "01012345678"), ("(0755)8888 8888", "075588888888"), ("+44 20 7946 0958", "+442079460958"),
        ("12345", "12345"),
    ])
    func normalizes(_ raw: String, _ expected: String) {
        #expect(PhoneNumber.normalize(raw) == expected)
    }

    @Test(arguments: ["abc", "138-0013-800a", "12", "1+38", "１３８００１３８０００", "", "++8613800138000"])
    func refuses(_ raw: String) {
        #expect(PhoneNumber.normalize(raw) == nil)
    }

    @Test func masks() {
        #expect(PersonalData.maskPhone("13800138000") == "138****8000")
        #expect(PersonalData.maskPhone("12345") == "***45")
        #expect(PersonalData.maskName("张三") == "张*")
        #expect(PersonalData.maskName("欧阳娜娜") == "欧***")
        let caller = Caller(name: "张三", phone: "13800138000", address: "西溪路1号")
        #expect(PersonalData.forUnit(caller, confidential: false) == Caller(name: "张*", phone: "138****8000", address: nil))
        #expect(PersonalData.forUnit(caller, confidential: true) == nil)
    }
}
