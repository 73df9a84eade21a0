"""Chinese text as the assistant compares it: traditional characters folded to simplified,
full-width forms to half-width, lower case, punctuation dropped; then jieba's words (minus
a few words every question has) and character bigrams, so a typo in one character still
leaves most of a question's features in place.

The fold is a small table of the traditional characters shoppers type about shopping, not
a full converter (OpenCC has no wheel we ship); a character it lacks is kept as it is."""

import re
import unicodedata
from functools import lru_cache
from itertools import pairwise

import jieba

jieba.setLogLevel(60)  # quiet: the dictionary's loading notice is not ours to print

_PAIRS = (
    "訂订 單单 貨货 碼码 積积 門门 營营 業业 時时 間间 開开 關关 還还 換换 錢钱 買买 賣卖 會会 "
    "員员 點点 幾几 號号 電电 話话 郵邮 運运 費费 發发 優优 這这 個个 麼么 嗎吗 們们 請请 問问 "
    "裡里 裏里 處处 過过 樣样 為为 對对 說说 讓让 給给 從从 與与 現现 餘余 額额 帳账 賬账 戶户 "
    "錄录 註注 冊册 達达 團团 購购 車车 顯显 聯联 繫系 係系 轉转 專专 櫃柜 機机 掃扫 維维 評评 "
    "價价 將将 雙双 無无 須须 預预 約约 實实 體体 鋪铺 週周 節节 務务 網网 應应 該该 後后 當当 "
    "麵面 產产 質质 題题 壞坏 損损 賠赔 償偿 遲迟 筆笔 記记 詢询 進进 狀状 態态 領领 兌兑 規规 "
    "則则 條条 紅红 動动 參参 張张 長长 級级 禮礼 稅税 執执 倉仓 庫库 頭头 紙纸 遞递 輸输 "
    "錯错 誤误 歡欢 謝谢 們们 邊边 裝装 寶宝 種种 數数 據据 庫库 鐘钟 鍾钟 麽么 甚什 喚唤 "
    "隻只 個个 們们 來来 離离 歷历 區区 際际 驗验 證证 認认 識识 舊旧 條条 總总 結结 "
    "試试 線线 綫线 據据 纔才 啟启 閉闭 準准 備备 續续 響响 護护 標标 簽签 辦办 導导 "
    "熱热 點点 戲戏 觀观 儲储 卻却 鄰邻 靜静 麼么 嗎吗 釐厘 讀读 寫写 聽听 見见 視视 "
    "覺觉 親亲 愛爱 氣气 級级 職职 補补 貼贴 鬆松 緊紧 滿满 減减 紀纪 錶表 隨随 權权 憑凭 "
    "銷销 臺台 灣湾 廣广 東东 書书 學学 醫医 藥药 蘭兰 獲获 沒没 幫帮 盡尽 壓压 費费"
)
_FOLD = {}
for _pair in _PAIRS.split():
    _FOLD[ord(_pair[0])] = _pair[1]

# Characters too common to tell questions apart on their own.
STOPCHARS = frozenset(
    "的了吗呢吧啊呀么嘛哦是我你您他她它们在有没怎什哪几个一这那要想能会可以还都也就和与或把被给让对从到上里中下多少为啥样么请问天"
)

# Words nearly every question has: they say nothing about which answer is meant.
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "么",
        "嘛",
        "哦",
        "是",
        "我",
        "你",
        "您",
        "他",
        "她",
        "它",
        "我们",
        "你们",
        "请问",
        "请",
        "问",
        "一下",
        "怎么",
        "怎样",
        "如何",
        "什么",
        "哪",
        "哪里",
        "哪儿",
        "可以",
        "能",
        "能不能",
        "可不可以",
        "会",
        "要",
        "想",
        "在",
        "有",
        "没有",
        "和",
        "与",
        "或",
        "就",
        "都",
        "也",
        "还",
        "吗",
        "呢",
        "这个",
        "那个",
        "这",
        "那",
        "个",
        "为什么",
        "为啥",
        "啥",
        "多少",
        "几",
        "么样",
        "怎么样",
        "怎么办",
        "应该",
        "需要",
        "帮",
        "帮我",
        "告诉",
        "知道",
        "一",
        "下",
        "给",
        "让",
        "被",
        "把",
        "对",
        "从",
        "到",
        "上",
        "里",
        "中",
        "今天",
        "明天",
        "现在",
        "是不是",
        "有没有",
    ]
)

_KEEP = re.compile(r"[0-9a-z\u4e00-\u9fff]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def fold(text: str) -> str:
    """Simplified, half-width, lower-case text with only letters, digits and hanzi kept
    (runs joined by a space)."""
    text = unicodedata.normalize("NFKC", text or "").lower().translate(_FOLD)
    return " ".join(_KEEP.findall(text))


@lru_cache(maxsize=4096)
def features(text: str) -> tuple[str, ...]:
    """The terms a question is compared by: words (not stop words), hanzi bigrams, and
    single hanzi (marked ~) that are not too common to mean anything."""
    folded = fold(text)
    out = [w for w in jieba.lcut(folded) if w.strip() and w not in STOPWORDS]
    for run in folded.split():
        hanzi = "".join(ch for ch in run if _CJK.match(ch))
        out += [f"{a}{b}" for a, b in pairwise(hanzi) if a not in STOPCHARS and b not in STOPCHARS]
        out += [f"~{ch}" for ch in hanzi if ch not in STOPCHARS]
    return tuple(out)
