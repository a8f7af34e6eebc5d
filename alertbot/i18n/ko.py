"""한국어: alertbot이 하는 모든 말 (기본 언어). Keys and fields match ``en.py`` exactly."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # ── alerts: the default message per event kind (fields: engine/messages.alert_fields)
    "alert.vi": "⚡ VI {state_label} {display}\n{vi_line}\n{hhmmss}{venue_text}",
    "alert.price": (
        "{arrow} {display} {level_text} {cross_label}{late_note}\n"
        "현재가 {price:,}원 (전일 대비 {rate:+.2f}%) · {hhmmss}{venue_text}"
    ),
    "alert.condition": "🔎 조건검색 {condition_label} {action_label}: {display}\n{hhmmss}",
    "alert.condition_snapshot": (
        "🔎 조건검색 {condition_label} 현재 편입 {match_count}종목: {matches_text}"
    ),
    "alert.fill": (
        "💰 {side_label} 체결 {display}\n"
        "체결 {qty:,}주 × {price:,}원 (주문 {order_qty:,}주, 미체결 {unfilled:,}주)\n"
        "주문번호 {order_no} · {hhmmss}"
    ),
    "alert.fill_order": (
        "{status_icon} {side_label} {status_label} {display}\n"
        "주문 {order_qty:,}주{reason_text}\n"
        "주문번호 {order_no} · {hhmmss}"
    ),
    "alert.market": "🚨 {market_label} {label_text}\n{hhmmss}",
    "alert.news": "📰 {title}\n{news_line}",
    "alert.limit": "{limit_headline} {display} {price:,}원 ({rate:+.2f}%) · {hhmmss}",
    "alert.volume": (
        "📊 거래량 급증 {display} {volume:,}주/분 (평균 {average:,.0f}주 × {ratio:.1f}) · {minute}"
    ),
    "alert.disclosure": "📑 공시 {display} {report} · {hhmm}\n제출인 {filer}\n{url}",
    # ── one-line summaries: digests, logs and `alertbot replay`
    "summary.vi": "{display} VI {state_label} 발동가 {vi_price:,}원 ({rate:+.2f}%)",
    "summary.price": "{display} {price:,}원 {level_short}",
    "summary.condition": "{display} {condition_label} {action_label}",
    "summary.condition_snapshot": "{condition_label} 현재 편입 {match_count}종목",
    "summary.fill": "{display} {side_label} 체결 {qty:,}주 × {price:,}원",
    "summary.fill_order": "{display} {side_label} {status_label} {order_qty:,}주{reason_text}",
    "summary.market": "{market_label} {label_text}",
    "summary.news": "{title}",
    "summary.limit": "{display} {limit_label} {limit_state} {price:,}",
    "summary.volume": "{display} 거래량 {volume:,}주/분 ×{ratio:.1f}",
    "summary.disclosure": "{display} {report}",
    # ── pieces of alerts
    "vi.trigger": "발동가 {price:,}원 (기준가 대비 {rate:+.2f}%)",
    "vi.kind": "{kind} VI",
    "vi.state.triggered": "발동",
    "vi.state.released": "해제",
    "vi.kind.static": "정적",
    "vi.kind.dynamic": "동적",
    "vi.kind.static+dynamic": "정적+동적",
    "direction.up": "상승",
    "direction.down": "하락",
    "venue": " · {venue}",
    "price.level": "{level:,}원",
    "price.level_pct": "등락률 {level:+g}%",
    "price.cross.up": "상향 돌파",
    "price.cross.down": "하향 이탈",
    "price.late": " (알림 시간 전에 돌파, 지금도 유지)",
    "condition.enter": "편입",
    "condition.exit": "이탈",
    "condition.more": "{shown} 외 {rest}종목",
    "side.buy": "매수",
    "side.sell": "매도",
    "side.none": "주문",
    "fill.reason": " · 사유: {reason}",
    "fill.status.접수": "접수",
    "fill.status.정정": "정정",
    "fill.status.취소": "취소",
    "fill.status.확인": "확인",
    "fill.status.거부": "거부",
    "limit.up": "상한가",
    "limit.down": "하한가",
    "limit.up.reached": "🔺 상한가",
    "limit.down.reached": "🔻 하한가",
    "limit.up.released": "↩️ 상한가 이탈",
    "limit.down.released": "↩️ 하한가 이탈",
    "limit.state.reached": "도달",
    "limit.state.released": "이탈",
    "news.related": "관련 종목: {symbols} · {hhmmss}",
    "market.kospi": "코스피",
    "market.kosdaq": "코스닥",
    "market.konex": "코넥스",
    "market.derivatives": "파생상품",
    "market.nxt": "NXT",
    "market.krx_night": "KRX 야간파생",
    "market.us": "미국주식",
    "market.china_am": "중국주식 오전",
    "market.china_pm": "중국주식 오후",
    "market.hongkong_am": "홍콩주식 오전",
    "market.hongkong_pm": "홍콩주식 오후",
    "market.japan_am": "일본주식 오전",
    "market.japan_pm": "일본주식 오후",
    "category.circuit_breaker": "서킷브레이커",
    "category.sidecar": "사이드카",
    "category.session": "장운영",
    "category.price_limit": "가격제한폭",
    "category.other": "기타",
    "market.status": "{category} {code}",
    "app.started": "alertbot {version} 시작: 규칙 {rules}개, 피드: {feeds}",
    "app.no_feeds": (
        "없음 — KIWOOM_APPKEY와 KIWOOM_SECRETKEY(또는 KIWOOM_TOKEN), "
        "LS_APPKEY와 LS_APPSECRET(또는 LS_TOKEN), 또는 DART_API_KEY를 설정하세요"
    ),
    "rules.fixed": "✅ 고친 규칙을 적용했습니다: 규칙 {count}개",
    "rules.rejected": (
        "⚠️ 규칙을 다시 읽지 못했습니다: 마지막으로 올바른 규칙으로 계속합니다\n{problems}"
    ),
    "rules.more": "… 외 {count}건",
    "rules.channel_new": (
        "채널 '{channel}'은(는) 새 채널입니다: 채널을 더하려면 alertbot을 다시 시작하세요"
    ),
    "test.text": (
        "🧪 alertbot 시험 알림\n"
        "⚡ VI 발동 삼성전자(005930) 발동가 78,400원 — 알림은 이렇게 보입니다"
    ),
    "test.summary": "삼성전자(005930) 발동가 78,400원",
    # ── chat commands
    "cmd.help": (
        "/status — 피드, 마지막 이벤트, 보낼 알림, 규칙\n"
        "/rules — 적용 중인 규칙\n"
        "/mute <규칙> [기간] — 예: /mute vi-watchlist 2h (기간이 없으면 /unmute까지)\n"
        "/unmute <규칙>\n"
        "/test — 시험 알림 보내기"
    ),
    "cmd.all": "전체",
    "cmd.button.unknown": "적용 중인 규칙이 아닙니다 (시험 알림이거나 그 뒤 지운 규칙).",
    "cmd.button.muted": "🔕 {rule} · {target} 1시간 음소거",
    "cmd.status.feed": "{feed}: {state}{seen}",
    "cmd.status.up": "연결됨",
    "cmd.status.down": "끊김",
    "cmd.status.last_event": ", 마지막 이벤트 {at}",
    "cmd.status.no_event": ", 아직 이벤트 없음",
    "cmd.status.no_feeds": "설정된 피드 없음",
    "cmd.status.outbox": "보낼 알림: {count}건 대기",
    "cmd.status.dead": "따로 보관한 메시지: {count}건 (채팅 서비스가 거부)",
    "cmd.status.rules": "규칙: {count}개",
    "cmd.rules.none": "불러온 규칙이 없습니다.",
    "cmd.rules.disabled": " (꺼짐)",
    "cmd.mute.usage": "사용법: /mute <규칙> [기간], 예: /mute vi-watchlist 2h",
    "cmd.mute.unknown": "'{rule}' 규칙이 없습니다. /rules 로 목록을 보세요.",
    "cmd.mute.until_unmute": "🔕 {rule} 음소거 (/unmute 할 때까지)",
    "cmd.mute.for": "🔕 {rule} {duration} 음소거",
    "cmd.until_unmute": " (/unmute 할 때까지)",
    "cmd.unmute.usage": "사용법: /unmute <규칙>",
    "cmd.unmute.done": "🔔 {rule} 음소거 해제",
    "cmd.unmute.not_muted": "{rule}은(는) 음소거 상태가 아니었습니다",
    "cmd.test.sent": "시험 알림을 보냈습니다: {channels}",
    # ── storm digests and delivery marks
    "digest.count": "{header} {count}{noun}",
    "digest.more": "… {count}{noun} 더 (다음 메시지)",
    "digest.noun.stocks": "종목",
    "digest.noun.alerts": "건",
    "digest.kind.vi": "⚡ VI",
    "digest.kind.price": "📈 가격",
    "digest.kind.condition": "🔎 조건검색",
    "digest.kind.fill": "💰 체결",
    "digest.kind.market": "🚨 시장",
    "digest.kind.news": "📰 뉴스",
    "digest.kind.limit": "🔺 상/하한가",
    "digest.kind.volume": "📊 거래량 급증",
    "digest.kind.disclosure": "📑 공시",
    "mark.late": "⏰ 지연 {age}",
    "mark.resent": "🔁 재전송",
    # ── the bot's own notices
    "channel.gone": (
        "⚠️ 채널 '{channel}'이(가) 설정에 없어 보내지 못한 메시지 {count}건을 "
        "따로 보관했습니다 (/status 참고)"
    ),
    "channel.stopped": (
        "⚠️ 채널 '{channel}' 중지: {error}\n"
        "설정(토큰, chat_id, 봇 차단 여부)을 확인하세요. 보내지 못한 알림은 보관되며, "
        "채널이 다시 동작하면 전송됩니다."
    ),
    "channel.resumed": "✅ 채널 '{channel}' 복구: 보관된 알림을 전송합니다",
    "channel.set_aside": (
        "⚠️ 채널 '{channel}': 보내지 못한 메시지를 따로 보관했습니다 ({what})\n서비스 응답: {reason}"
    ),
    "channel.set_aside.alert": "규칙 {rule}, 종목 {symbol}",
    "channel.set_aside.notice": "공지",
    "feed.down": "⚠️ {feed} 연결이 {duration}째 끊겨 있습니다{why}",
    "feed.why": " ({error})",
    "feed.up": "✅ {feed} 연결 복구 ({duration} 동안 끊김)",
    "duration.seconds": "{seconds}초",
    "duration.minutes": "{minutes}분",
    "duration.hours": "{hours}시간",
    "duration.hours_minutes": "{hours}시간 {minutes}분",
    "rule.message_failed": (
        "⚠️ 규칙 '{rule}'의 message를 {subject} {at} 알림에 채우지 못해 기본 메시지를 "
        "보냈습니다. 규칙의 message를 고쳐 주세요."
    ),
    "ready.not_running": "시작 중이거나 멈추는 중입니다 (알림을 받지 않음)",
    # ── alertbot demo
    "demo.start": "alertbot 데모: {day}의 프레임 {frames:,}개를 재생합니다 (규칙: {rules})",
    # ── alertbot replay
    "replay.day": "── {date} ({weekday}) ──",
    "replay.column.rule": "규칙",
    "replay.column.fired": "발송",
    "replay.column.cooldown": "쿨다운",
    "replay.column.dedupe": "중복",
    "replay.column.inactive": "시간외",
    "replay.totals": "프레임 {frames:,}개 ({sources}), 이벤트 {events:,}개",
    "replay.no_sources": "없음",
    "replay.unparsed": "해석하지 못한 프레임: {count:,} × {reason}",
    "replay.damaged": "손상된 줄: {problem}",
    "replay.damaged_more": "손상된 줄: … 외 {count:,}줄",
    "weekday.0": "월",
    "weekday.1": "화",
    "weekday.2": "수",
    "weekday.3": "목",
    "weekday.4": "금",
    "weekday.5": "토",
    "weekday.6": "일",
    # ── the stock master
    "stocks.load_failed": (
        "⚠️ 종목 정보를 불러오지 못했습니다 ({broker}): {error}\n"
        "알고 있는 종목 {count:,}개의 이름으로 계속합니다. 내일 다시 시도합니다."
    ),
    # ── settings: what an operator reads when an environment variable is wrong
    "settings.flag": "1 또는 0으로 적어야 합니다 (지금 값: {value!r})",
    "settings.choice": "{allowed} 중 하나로 적어야 합니다 (지금 값: {value!r})",
    "settings.seconds": "60처럼 초 단위 숫자로 적어야 합니다 (지금 값: {value!r})",
    "settings.lease": "1~300초로 적어야 합니다 (지금 값: {seconds:g})",
    "settings.host_port": "127.0.0.1:9108처럼 호스트:포트로 적어야 합니다 (지금 값: {value!r})",
    "settings.url": "{schemes} 중 하나로 시작하는 주소로 적어야 합니다 (지금 값: {value!r})",
    "settings.port": "주소의 포트 번호가 잘못되었습니다 (지금 값: {value!r})",
    "settings.dart_poll": "{minimum:g}초 이상으로 적어야 합니다 (지금 값: {seconds:g})",
    "settings.pair": "{given}을(를) 설정했으면 이 변수도 설정해야 합니다",
    "settings.state": "{problem} (지금 값: {url})",
    "settings.state.invalid": "올바른 postgresql:// 주소가 아닙니다 ({error})",
    "settings.state.no_database": (
        "데이터베이스 이름까지 적어야 합니다. 예: postgresql://user:password@host:5432/alertbot"
    ),
    # ── alertbot (the command line)
    "cli.settings": "alertbot: 환경 변수 {error}",
    "cli.doctor.settings": "❌ 환경 변수 {error}",
}

MARKET_STATUS: dict[str, str] = {
    "stocks:61": "서킷브레이커 1단계 발동",
    "stocks:62": "서킷브레이커 1단계 해제, 호가접수 재개",
    "stocks:63": "서킷브레이커 1단계 동시호가 종료",
    "stocks:64": "사이드카 매도 발동",
    "stocks:65": "사이드카 매도 해제",
    "stocks:66": "사이드카 매수 발동",
    "stocks:67": "사이드카 매수 해제",
    "stocks:68": "서킷브레이커 2단계 발동",
    "stocks:69": "서킷브레이커 3단계 발동, 당일 장 종료",
    "stocks:70": "서킷브레이커 2단계 해제, 호가접수 재개",
    "stocks:71": "서킷브레이커 2단계 동시호가 종료",
    "derivatives:61": "코스피 서킷브레이커 3단계: 관련 파생상품 당일 장 종료",
    "derivatives:62": "서킷브레이커 해제, 호가접수 재개",
    "derivatives:63": "서킷브레이커 장중 동시호가 마감",
}
"""``<market group>:<LS jstatus>`` → the label traders use (the vendor writes 서킷브레이크).
Codes not listed read the feed's own label (``feeds/ls/jstatus.py``)."""
