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
    "app.no_feeds": "없음 — {fix}",
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
    "cli.description": (
        "키움증권·LS증권 실시간 시세와 DART 공시(DART_API_KEY)를 지켜보다가 "
        "텔레그램과 슬랙으로 알림을 보냅니다."
    ),
    "cli.epilog": (
        "영어로 보려면 ALERTBOT_LANG=en 을 설정하세요. 환경 변수 전체는 README.md와 "
        "alertbot init 이 만드는 alertbot.env 에 설명이 있습니다."
    ),
    "cli.version": "버전을 보여 주고 끝냅니다",
    "cli.metavar.command": "명령",
    "cli.metavar.service": "서비스",
    "cli.metavar.path": "경로",
    "cli.metavar.file": "파일",
    "cli.metavar.folder": "폴더",
    "cli.metavar.seconds": "초",
    "cli.metavar.codes": "종목코드",
    "cli.metavar.token": "토큰",
    "cli.metavar.channel": "채널",
    "cli.metavar.url": "주소",
    "cli.run": (
        "봇을 실행합니다 (인증 정보가 있는 증권사의 피드가 시작됩니다). "
        "ALERTBOT_STATE=postgresql://… 이면 그룹에 들어가 리더 하나를 뽑습니다"
    ),
    "cli.run.rules": "규칙 파일 또는 폴더 (기본값: $ALERTBOT_RULES)",
    "cli.demo": "모의 장 하루를 재생합니다. 계좌가 필요 없습니다",
    "cli.demo.rules": "기본값: alertbot에 들어 있는 예제",
    "cli.demo.speed": "그날 프레임 사이 간격을 N배 줄여 지킵니다 (기본값: 간격 없이)",
    "cli.check": "규칙 파일을 검사합니다. 오류가 하나라도 있으면 종료 코드 1",
    "cli.check.path": "규칙 파일 또는 폴더",
    "cli.check.strict": (
        "설정되지 않은 ${{VAR}}를 오류로 봅니다 (기본값은 경고: 비밀값 없이 도는 CI를 위해)"
    ),
    "cli.record": "설정된 피드의 원본 프레임을 파일에 기록합니다 (알림은 보내지 않습니다)",
    "cli.record.out": "기록할 파일: *.jsonl 또는 *.jsonl.gz",
    "cli.record.rules": "이 규칙에 필요한 것을 기록합니다 (기본값: $ALERTBOT_RULES)",
    "cli.record.symbols": "체결을 함께 기록할 종목, 쉼표로 구분: 005930,000660",
    "cli.replay": "기록한 프레임을 규칙에 흘려 그때 보냈을 알림을 보여 줍니다",
    "cli.replay.file": "alertbot record로 만든 파일 (*.jsonl, *.jsonl.gz)",
    "cli.replay.rules": "기본값: rules/",
    "cli.replay.speed": "실제 시간의 N배 속도로, 프레임 사이 간격을 지키며",
    "cli.replay.fast": "프레임 사이에 기다리지 않습니다 (기본값)",
    "cli.replay.send": "알림을 규칙의 채널로 실제로 보냅니다",
    "cli.replay.full": "알림마다 메시지 전체를 출력합니다",
    "cli.init": "시작용 규칙 폴더와 환경 변수 파일을 만듭니다 (한국어 주석 포함)",
    "cli.init.dir": "기본값: 현재 폴더",
    "cli.setup": "채팅 서비스를 연결합니다: setup telegram | slack",
    "cli.setup.telegram": "봇 토큰을 확인하고 chat_id를 찾습니다 (그룹과 토픽 포함)",
    "cli.setup.telegram.token": "기본값: $TELEGRAM_BOT_TOKEN, --env-file 파일, 또는 직접 입력",
    "cli.setup.timeout": "기다릴 시간(초)",
    "cli.setup.slack": "봇 토큰을 확인(auth.test)하고 채널 ID를 찾습니다",
    "cli.setup.slack.token": "기본값: $SLACK_BOT_TOKEN, --env-file 파일, 또는 직접 입력",
    "cli.setup.slack.channel": "#채널이름, 채널이름 또는 채널 ID",
    "cli.setup.env_file": "토큰과 ID를 이 파일에 적습니다",
    "cli.setup.base_url": "서비스의 API 주소 (자체 서버, 시험용)",
    "cli.doctor": "실제 설정을 항목별로 점검합니다: 규칙, 상태 저장소, 시계, 증권사, 채널",
    "cli.doctor.dry_run": "메시지는 보내지 않고 채널 토큰만 확인합니다",
    "cli.doctor.env_file": "이 파일의 변수도 읽습니다",
    "cli.doctor.timeout": "네트워크 단계마다 기다릴 시간(초)",
    "cli.healthcheck": "$ALERTBOT_HTTP에서 실행 중인 봇이 /healthz에 응답하면 종료 코드 0",
    "cli.healthcheck.ready": "/healthz 대신 /readyz에 묻습니다",
    "cli.bad_codes": "6자리 종목코드가 아닙니다: {codes}",
    "cli.bad_speed": "0보다 큰 수여야 합니다 (지금 값: {value!r})",
    "cli.argparse.usage": "사용법: ",
    "cli.argparse.positionals": "위치 인수",
    "cli.argparse.options": "옵션",
    "cli.argparse.help": "이 도움말을 보여 주고 끝냅니다",
    "cli.argparse.error": "{prog}: 오류: {message}\n",
    "cli.argparse.argument": "인수 {argument_name}: {message}",
    "cli.argparse.required": "다음 인수가 필요합니다: {arguments}",
    "cli.argparse.one_required": "다음 중 하나가 필요합니다: {arguments}",
    "cli.argparse.unrecognized": "알 수 없는 인수: {arguments}",
    "cli.argparse.invalid_choice": "잘못된 선택: {value} (고를 수 있는 것: {choices})",
    "cli.argparse.invalid_value": "{type} 값이 잘못되었습니다: {value}",
    "cli.argparse.expected_one": "값이 하나 필요합니다",
    "cli.argparse.expected_at_most_one": "값은 하나까지만 줄 수 있습니다",
    "cli.argparse.expected_at_least_one": "값이 하나 이상 필요합니다",
    "cli.argparse.not_allowed_with": "{argument}와(과) 함께 쓸 수 없습니다",
    "cli.argparse.ignored_explicit": "값을 받지 않는 옵션입니다: {value}",
    "cli.argparse.ambiguous": "모호한 옵션: {option} (후보: {matches})",
    "cli.demo.no_rules": (
        "alertbot demo: {path!r}에 규칙이 없습니다. --rules 경로로 규칙을 주거나, "
        "--rules 없이 실행해 들어 있는 예제를 쓰세요"
    ),
    "cli.record.done": "{out}: 프레임 {frames:,}개 ({sources})",
    # ── onboarding: alertbot init, setup telegram|slack, doctor
    "init.made": "만듦: {path}",
    "init.kept": "그대로 둠: {path} (이미 있습니다)",
    "init.next": (
        "\n다음 단계:\n"
        "  1. alertbot setup telegram --env-file {env}    (텔레그램 토큰 확인, chat_id 찾기)\n"
        "  2. {env} 에 증권사 앱키 입력                 (docs/ko/시작하기.md)\n"
        "  3. alertbot doctor --env-file {env}            (규칙·증권사·채널 점검)\n"
        "  4. set -a; . {env}; set +a; alertbot run --rules {rules}\n"
        "     또는 Docker: docker compose up -d --wait"
    ),
    "setup.connected": "✅ alertbot 연결 완료: 알림이 여기로 옵니다",
    "setup.saved": "📝 {path}에 저장했습니다 ({keys})",
    "setup.telegram.prompt": "텔레그램 봇 토큰 (@BotFather가 준 123456:ABC… 형식): ",
    "setup.telegram.no_token": (
        "봇 토큰이 없습니다: --token으로 주거나 TELEGRAM_BOT_TOKEN을 설정하세요 "
        "(텔레그램에서 @BotFather → /newbot 으로 만듭니다)"
    ),
    "setup.telegram.token_ok": "✅ 토큰 확인: @{username} ({name})",
    "setup.telegram.waiting": (
        "👉 텔레그램에서 @{username} 에게 아무 메시지나 보내세요.\n"
        "   그룹으로 받으려면 봇을 그룹에 추가하고 그룹에서 /start@{username} 을 보내세요 "
        "(포럼 토픽이면 그 토픽 안에서).\n"
        "   기다리는 중… (최대 {seconds:.0f}초)"
    ),
    "setup.telegram.conflict": (
        "다른 프로그램이 이 봇의 업데이트를 읽고 있습니다 ({error}): 실행 중인 alertbot을 "
        "잠시 멈추거나, 웹훅을 쓰는 봇이면 deleteWebhook 후 다시 실행하세요"
    ),
    "setup.telegram.timeout": (
        "{seconds:.0f}초 동안 메시지가 오지 않았습니다: 봇에게 메시지를 보냈는지, "
        "그룹이라면 봇을 추가한 뒤 /start@봇이름 을 보냈는지 확인하고 다시 실행하세요"
    ),
    "setup.telegram.refused": (
        "텔레그램이 토큰을 거부했습니다: @BotFather → /mybots 에서 토큰을 다시 복사하세요"
    ),
    "setup.telegram.forbidden": (
        "봇이 이 채팅에 글을 쓸 수 없습니다 ({error}): 채널이면 봇을 관리자로 추가하세요"
    ),
    "setup.telegram.api_error": "텔레그램 API 오류: {error}",
    "setup.telegram.found": "✅ 채팅 발견: {kind} {title}",
    "setup.telegram.kind.private": "개인 채팅",
    "setup.telegram.kind.group": "그룹",
    "setup.telegram.kind.supergroup": "그룹",
    "setup.telegram.kind.channel": "채널",
    "setup.telegram.thread": (
        "TELEGRAM_THREAD_ID={thread}   (포럼 토픽: 규칙 파일의 채널에 message_thread_id로)"
    ),
    "setup.slack.prompt": "슬랙 봇 토큰 (xoxb-…): ",
    "setup.slack.no_token": (
        "슬랙 봇 토큰이 없습니다: --token으로 주거나 SLACK_BOT_TOKEN을 설정하세요"
    ),
    "setup.slack.token_ok": "✅ 토큰 확인: 워크스페이스 {team}, 봇 {user}",
    "setup.slack.api_error": "슬랙 API 오류 {error}: {fix}",
    "setup.slack.fix": "토큰과 앱 설정을 확인하세요",
    "setup.slack.fix.invalid_auth": (
        "토큰이 틀렸습니다: api.slack.com/apps → OAuth & Permissions의 "
        "Bot User OAuth Token (xoxb-…)을 쓰세요"
    ),
    "setup.slack.fix.not_authed": "토큰이 없습니다",
    "setup.slack.fix.token_revoked": "토큰이 취소되었습니다: 앱을 워크스페이스에 다시 설치하세요",
    "setup.slack.fix.missing_scope": (
        "권한(scope)이 부족합니다: chat:write, channels:read, groups:read 를 추가하고 "
        "앱을 다시 설치하세요"
    ),
    "setup.slack.fix.not_in_channel": "봇이 채널에 없습니다: 채널에서 /invite @봇이름",
    "setup.slack.fix.channel_not_found": (
        "채널을 찾을 수 없습니다: 비공개 채널이면 먼저 봇을 초대하세요"
    ),
    "setup.slack.not_found": (
        "#{channel} 채널을 찾을 수 없습니다 (봇이 들어간 채널: {joined}): "
        "채널 이름을 확인하거나, 비공개 채널이면 먼저 /invite @봇이름"
    ),
    "setup.slack.not_member": "봇이 #{channel} 채널에 없습니다: 그 채널에서 /invite @봇이름",
    "setup.slack.channel_ok": "✅ 채널 확인: #{channel}",
    "doctor.line": "{status} {item}: {detail}",
    "doctor.line.fix": "{status} {item}: {detail} → 해결: {fix}",
    "doctor.all_ok": "모두 정상입니다.",
    "doctor.to_fix": "{count}개 항목을 고치세요.",
    "doctor.test_message": "🧪 alertbot doctor: 테스트 메시지 — 알림이 여기로 옵니다",
    "doctor.item.rules": "규칙",
    "doctor.rules.more": "{first} 외 {count}건",
    "doctor.rules.fix": "alertbot check {rules} 로 전체 목록을 보고 고치세요",
    "doctor.rules.empty_fix": "alertbot init 으로 시작 규칙을 만드세요",
    "doctor.rules.ok": "{rules}: 규칙 {count}개, 채널 {channels}개",
    "doctor.item.state": "상태 저장소",
    "doctor.state.ok": "{path} 쓰기 가능",
    "doctor.state.fix": (
        "ALERTBOT_STATE의 폴더가 있고 쓸 수 있는지 확인하세요 "
        "(컨테이너는 uid 10001: sudo chown 10001:10001 폴더)"
    ),
    "doctor.database.ok": "PostgreSQL {url} 연결됨 (서버 {version})",
    "doctor.database.fix": (
        "ALERTBOT_STATE=postgresql://사용자:비밀번호@호스트:5432/DB 의 주소·계정·비밀번호와 "
        "방화벽을 확인하세요"
    ),
    "doctor.item.clock": "시계(KST)",
    "doctor.clock.skew": "지금 {now}, 서버와 {skew:+.0f}초 차이",
    "doctor.clock.alone": "지금 {now} (비교할 증권사 서버 없음)",
    "doctor.clock.fix": "시스템 시계를 맞추세요 (NTP: timedatectl set-ntp true 또는 chrony)",
    "doctor.item.brokers": "증권사",
    "doctor.brokers.none": "설정된 증권사 키가 없습니다",
    "feeds.keys_fix": (
        "KIWOOM_APPKEY와 KIWOOM_SECRETKEY(또는 KIWOOM_TOKEN), LS_APPKEY와 LS_APPSECRET"
        "(또는 LS_TOKEN), 또는 DART_API_KEY를 설정하세요"
    ),
    "doctor.network.fix": (
        "인터넷 연결과 {url_var}를 확인하세요. 증권사 포털에 이 서버의 공인 IP를 등록했는지, "
        "방화벽이 포트를 막지 않는지도 확인하세요"
    ),
    "doctor.skip.no_token": "토큰이 없어 건너뜀",
    "doctor.skip.bot_running": (
        "이 컴퓨터에서 alertbot이 실행 중이라 건너뜀: 키움은 앱키당 WebSocket 하나만 허용해서 "
        "여기서 접속하면 봇의 연결이 끊깁니다. 봇을 멈추고 다시 점검하세요"
    ),
    "doctor.broker.kiwoom": "키움",
    "doctor.item.token": "{broker} 토큰",
    "doctor.item.token_issue": "{broker} 토큰 발급",
    "doctor.token.no_answer": "응답 없음",
    "doctor.token.issued": "{url} 에서 발급됨",
    "doctor.registration_refused": "등록 거부: {reason}",
    "doctor.kiwoom.key_fix": (
        "openapi.kiwoom.com 에서 앱키·시크릿키를 다시 복사하세요. 모의투자 키는 "
        "KIWOOM_MOCK=1 일 때만, 실전 키는 KIWOOM_MOCK 없이 씁니다"
    ),
    "doctor.kiwoom.ready_token": "KIWOOM_TOKEN 사용 (발급하지 않음: 만료되면 직접 바꿔야 합니다)",
    "doctor.item.kiwoom_ws": "키움 WebSocket",
    "doctor.item.kiwoom_login": "키움 WebSocket LOGIN",
    "doctor.item.kiwoom_reg": "키움 실시간 등록(REG)",
    "doctor.kiwoom.login_refused": "로그인 거부: {reason}",
    "doctor.kiwoom.login_fix": (
        "토큰이 서버와 맞지 않습니다: 실전/모의 서버(KIWOOM_MOCK)와 키가 같은 쪽인지, "
        "KIWOOM_TOKEN이면 만료되지 않았는지 확인하세요"
    ),
    "doctor.skip.login_failed": "로그인 실패로 건너뜀",
    "doctor.kiwoom.login_ok": "{url} 로그인 성공",
    "doctor.kiwoom.reg_fix": "키움 API 포털에서 실시간 시세 사용 권한과 등록 한도를 확인하세요",
    "doctor.kiwoom.reg_ok": "{symbol} 체결(0B) 등록·해제 왕복 성공",
    "doctor.ls.key_fix": (
        "openapi.ls-sec.co.kr 에서 앱키·시크릿을 다시 복사하세요 (모의투자는 LS_MOCK=1)"
    ),
    "doctor.ls.ready_token": "LS_TOKEN 사용 (발급하지 않음: 매일 07:00에 만료됩니다)",
    "doctor.item.ls_ws": "LS WebSocket",
    "doctor.item.ls_reg": "LS 실시간 등록(JIF)",
    "doctor.ls.token_refused_fix": (
        "토큰이 거부되었습니다: LS_TOKEN이면 새로 발급하고, 실전/모의(LS_MOCK)가 키와 "
        "맞는지 확인하세요"
    ),
    "doctor.ls.reg_fix": "LS OPEN API 포털에서 실시간 시세 신청 상태를 확인하세요",
    "doctor.ls.reg_ok": "{url} 장운영정보(JIF) 등록·해제 왕복 성공",
    "doctor.item.dart": "OpenDART 인증키",
    "doctor.dart.unreadable": "OpenDART 답이 아닙니다 ({reason})",
    "doctor.dart.url_fix": "DART_API_URL을 확인하세요",
    "doctor.dart.ok": "{url} 공시검색 성공 (오늘 {pages}쪽)",
    "doctor.dart.key_fix": (
        "opendart.fss.or.kr → 인증키 신청/관리에서 키를 확인하세요 "
        "(012: 그 화면에 이 서버의 공인 IP를 등록)"
    ),
    "doctor.dart.other_fix": (
        "020이면 하루 요청 한도(20,000건) 초과: 내일 다시, 800·900이면 OpenDART 점검 중"
    ),
    "doctor.item.channel": "채널 {name} ({type})",
    "doctor.item.channels": "채널",
    "doctor.channels.skipped": "규칙을 읽지 못해 건너뜀",
    "doctor.channel.console": "표준 출력: 확인할 것 없음",
    "doctor.channel.checked": "토큰 확인 (--dry-run: 메시지는 보내지 않음)",
    "doctor.channel.sent": "테스트 메시지 보냄: 받았는지 확인하세요",
    "doctor.channel.fix": "채널 설정을 확인하세요",
    "doctor.channel.fix.telegram": (
        "alertbot setup telegram 으로 토큰과 chat_id를 다시 확인하세요 "
        "(그룹이면 봇이 아직 그룹에 있는지)"
    ),
    "doctor.channel.fix.slack": (
        "alertbot setup slack --channel '#채널' 로 토큰과 채널을 확인하세요 (봇을 채널에 /invite)"
    ),
    # ── alertbot check: rule files' problems, each after "file:line: " (also in reload notices)
    "check.warning": "경고: {problem}",
    "check.ok": "{path}: 이상 없음 — 규칙 {rules}개 ({kinds}), 채널 {channels}개 ({types})",
    "check.disabled": "꺼짐 {count}",
    "check.no_path": "파일이나 폴더가 없습니다",
    "check.cannot_read": "파일을 읽을 수 없습니다: {reason}",
    "check.cp949": (
        "이 파일은 cp949(EUC-KR)로 저장되어 있습니다. 편집기에서 UTF-8로 다시 저장하세요"
        " (메모장: 다른 이름으로 저장 → 인코딩 UTF-8)"
    ),
    "check.not_utf8": "이 파일은 UTF-8이 아닙니다. 편집기에서 UTF-8로 저장하세요",
    "check.env_missing": "환경 변수 {name}이(가) 설정되지 않았습니다",
    "check.yaml": "YAML 문법 오류 ({column}번째 칸): {problem}",
    "check.yaml.other": "YAML 문법 오류: {problem}",
    "check.yaml.parser": "해석할 수 없습니다 (파서: {problem})",
    "check.yaml.unclosed_list": (
        "{line}번째 줄에서 '['로 연 목록이 닫히지 않았습니다: 항목 사이에 ',', 끝에 ']'를 쓰세요"
    ),
    "check.yaml.unclosed_mapping": (
        "{line}번째 줄에서 '{{'로 연 매핑이 닫히지 않았습니다: 항목 사이에 ',', 끝에 '}}'를 쓰세요"
    ),
    "check.yaml.unclosed_quote": "{line}번째 줄에서 연 따옴표가 닫히지 않았습니다",
    "check.yaml.colon": (
        "여기에는 'key: value'를 쓸 수 없습니다: 들여쓰기를 확인하고,"
        " 값에 ': '가 들어가면 따옴표로 감싸세요"
    ),
    "check.yaml.indent": (
        "들여쓰기가 맞지 않습니다: 같은 단계의 키와 '-' 항목은 같은 칸에서 시작해야 합니다"
    ),
    "check.yaml.missing_colon": "':'가 빠졌습니다: 'key: value'로 쓰세요",
    "check.yaml.tab": "탭 문자는 들여쓰기에 쓸 수 없습니다: 공백으로 바꾸세요",
    "check.yaml.bad_character": "'{char}' 문자로 값을 시작할 수 없습니다: 값을 따옴표로 감싸세요",
    "check.yaml.escape": (
        "큰따옴표 안의 '\\' 뒤에 쓸 수 없는 문자가 있습니다: 작은따옴표로 감싸거나 '\\\\'로 쓰세요"
    ),
    "check.yaml.no_value": "값이 있어야 할 자리에 값이 없습니다: 괄호와 따옴표가 닫혔는지 보세요",
    "check.yaml.tag_handle": "정의되지 않은 태그입니다: 값에 '!'가 들어가면 따옴표로 감싸세요",
    "check.yaml.tag": "태그 {tag}은(는) 규칙 파일에서 쓸 수 없습니다",
    "check.yaml.tag_value": "{tag}(으)로 읽을 수 없는 값입니다: {value}",
    "check.yaml.alias": "정의되지 않은 별칭 *{anchor}: 먼저 &{anchor}(으)로 정의하세요",
    "check.yaml.duplicate_key": "키 '{key}'이(가) 두 번 있습니다",
    "check.yaml.merge": "<<에는 매핑만 쓸 수 있습니다 (*base 같은 별칭이나 그 목록)",
    "check.yaml.documents": (
        "파일 하나에는 문서가 하나만 있어야 합니다: '---' 뒤의 두 번째 문서를 다른 파일로 옮기세요"
    ),
    "check.no_rules": "{path}에 규칙이 없습니다: 아무것도 감시하지 않게 됩니다",
    "check.no_rule_files": (
        "{path}에 규칙 파일(*.yaml, *.yml)이 없습니다: 아무것도 감시하지 않게 됩니다"
    ),
    "check.not_mapping": "channels, defaults, rules를 담은 매핑이어야 합니다",
    "check.top_level_key": (
        "알 수 없는 최상위 키 '{key}' (쓸 수 있는 키: channels, defaults, rules;"
        " 공유할 앵커는 x-… 아래에 두세요)"
    ),
    "check.defaults_twice": "defaults가 이미 {file}:{line}에 있습니다",
    "check.channels_not_mapping": "channels: 채널 이름과 설정을 담은 매핑이어야 합니다",
    "check.channel_twice": "채널 '{channel}'이(가) 두 번 정의되었습니다",
    "check.channel": "채널 '{channel}': {problem}",
    "check.channel_type": "알 수 없는 채널 type '{type}' (쓸 수 있는 값: {known})",
    "check.rules_not_list": "rules: 규칙의 목록이어야 합니다 (규칙마다 '- name: …')",
    "check.rule": "규칙 '{rule}': {problem}",
    "check.rule_unnamed": "이름 없는 규칙: {problem}",
    "check.at_key": "{key}: {problem}",
    "check.name_used": "이름이 이미 {file}:{line}에서 쓰였습니다",
    "check.not_listed": "{code}은(는) 상장 종목이 아닙니다 (비슷한 종목: {closest})",
    "check.unknown_channel": "알 수 없는 채널 '{channel}' (정의된 채널: {known})",
    "check.defaults_channel": "defaults: {key}: 알 수 없는 채널 '{channel}' (정의된 채널: {known})",
    "check.no_channel": "보낼 채널이 없습니다: notify나 defaults.notify를 쓰세요",
    "check.unknown_key": "알 수 없는 키 (쓸 수 있는 키: {keys})",
    "check.missing": "꼭 써야 하는 키가 없습니다",
    "check.missing_key": "{key} 키가 없습니다",
    "check.one_of": "{allowed} 중 하나여야 합니다 (입력: {value})",
    "check.unknown_event": "알 수 없는 event {event} (쓸 수 있는 값: {allowed})",
    "check.yaml_bool": (
        "YAML은 on/off/yes/no를 true/false로 읽습니다: 글자로 쓰려면 따옴표로 감싸세요"
    ),
    "check.text": "글자여야 합니다 (입력: {value})",
    "check.bool": "true나 false여야 합니다 (입력: {value})",
    "check.number": "80000 같은 숫자여야 합니다 (입력: {value})",
    "check.list": "[a, b] 같은 목록이어야 합니다 (입력: {value})",
    "check.mapping": "'key: value' 매핑이어야 합니다 (입력: {value})",
    "check.too_short": "{min_length}개 이상 있어야 합니다 (지금 {actual_length}개)",
    "check.too_short_text": "{min_length}자 이상이어야 합니다 (입력: {value})",
    "check.greater_than": "{gt}보다 커야 합니다 (입력: {value})",
    "check.at_least": "{ge} 이상이어야 합니다 (입력: {value})",
    "check.pattern": "형식 {pattern}에 맞아야 합니다 (입력: {value})",
    "check.invalid": "올바르지 않은 값입니다 (입력: {value}, {kind})",
    "check.duration": "60s, 5m, 1h 같은 기간이어야 합니다 (입력: {value})",
    "check.stock_code": '"005930" 같은 종목코드여야 합니다 (입력: {value})',
    "check.stock_code_name": (
        '{code}은(는) 종목코드가 아닙니다: 6자리 코드를 쓰세요 (예: 삼성전자는 "005930";'
        " 종목명은 코드가 아닙니다)"
    ),
    "check.stock_code_capitals": (
        "{code}은(는) 종목코드가 아닙니다: KRX 종목코드는 숫자나 영문 대문자 6자리입니다."
        ' 대문자로 쓰세요 (예: "005930")'
    ),
    "check.stock_code_zeros": (
        "{code}은(는) 종목코드가 아닙니다: KRX 종목코드는 숫자나 영문 대문자 6자리입니다."
        ' 앞의 0까지 쓰세요 (예: "005930")'
    ),
    "check.blank_keyword": "빈 키워드는 모든 제목에 맞습니다: 단어를 쓰거나 지우세요",
    "check.needs_symbol": '{kind} 규칙에는 symbol: "005930"이나 symbols: [...]가 필요합니다',
    "check.needs_level": "price 규칙에는 {levels} 중 하나가 필요합니다",
    "check.one_condition": 'condition: "이름"과 seq: N 중 하나만 쓰세요',
    "check.market_status": (
        '알 수 없는 status {value}: {allowed}, any, 또는 "61" 같은 원래 코드를 쓰세요'
    ),
    "check.market_name": '알 수 없는 market {value}: {allowed} 또는 "A" 같은 LS 시장 코드를 쓰세요',
    "check.volume_window": (
        "window는 분 단위로 {minutes}분 이상이어야 합니다 (예: 20m, 입력: {value})"
    ),
    "check.calendar": "KRX 거래일 달력(exchange_calendars)을 계산하지 못했습니다: {error}",
    "check.active_syntax": (
        '"HH:MM-HH:MM" (뒤에 weekdays, weekends, daily, krx, mon-fri 같은 요일) 또는'
        ' KRX 정규장 "krx"로 쓰세요 (입력: {value})'
    ),
    "check.active_same": "{window}: 시작과 끝이 같습니다. 하루 종일은 00:00-24:00으로 쓰세요",
    "check.active_24": "{window}: 24:00에 시작할 수 없습니다",
    "check.active_time": "{window}: {time}은(는) 올바른 시각이 아닙니다",
    "check.active_day": "알 수 없는 요일 {day}: {days}, weekdays, weekends, daily 중에서 쓰세요",
    "check.template_braces": (
        "중괄호가 짝이 맞지 않습니다: 글자 그대로의 중괄호는 {{{{와 }}}}로 쓰세요"
    ),
    "check.template_unnamed": "이름 없는 {{}} 자리: 필드 이름을 쓰세요 (예: {{price:,}})",
    "check.template_field": (
        "{kind} 이벤트에는 {{{field}}} 필드가 없습니다 (쓸 수 있는 필드: {fields})"
    ),
    "check.template_format": (
        "{placeholder}을(를) 채울 수 없습니다: {field} 값(예: {sample})에 맞지 않는 형식입니다"
    ),
    "check.template_format_level": (
        "{key}: {level}일 때 {placeholder}을(를) 채울 수 없습니다:"
        " {field} 값(예: {sample})에 맞지 않는 형식입니다"
    ),
    "check.slack_one_way": "token(channel과 함께)과 webhook_url 중 하나만 쓰세요",
    "check.slack_channel": "봇 token을 쓰면 channel도 써야 합니다",
    # ── runtime notices: feeds, HA, readiness (`/readyz`), `/status` and chat buttons
    "word.none": "없음",
    "feed.stopped": "⚠️ {feed} 피드 중지: {error}\n설정을 고친 뒤 alertbot을 다시 시작하세요.",
    "feed.silent": "⚠️ {feed} 장중 수신 멈춤 ({why}): 다시 연결합니다",
    "feed.no_frame": "{duration} 동안 받은 데이터 없음",
    "feed.no_trade": "다시 등록해도 등록 종목의 체결이 들어오지 않음",
    "feed.closed": "서버가 연결을 닫음",
    "feed.token_refused": "접근 토큰이 거부되었습니다 ({error})",
    "feed.token_renewing": "{error}: 새 토큰을 발급합니다",
    "feed.fixed_token": (
        "{error}: 고정 토큰 {token_var}은(는) 갱신되지 않습니다. "
        "새 토큰을 넣거나 {keys}을(를) 설정하세요"
    ),
    "feed.token_refused_again": (
        "⚠️ {feed}: 새로 발급한 토큰도 거부됩니다 ({error}). 매번 새 토큰으로, 간격을 늘려 가며 "
        "다시 시도합니다. {keys}이(가) 이 서버용인지(실전/모의투자, {mock_var}), "
        "이 IP에서 허용되는지 확인하세요."
    ),
    "feed.app_key_refused": (
        "앱키가 거부되었습니다 ({error}): {keys}, {mock_var}(실전/모의투자) 설정을 확인하세요"
    ),
    "feed.token_unreachable": "토큰 발급 서버에 연결할 수 없음 ({error})",
    "feed.token_not_issued": "토큰이 발급되지 않음 ({error})",
    "feed.login_refused": "LOGIN 거부: {error}",
    "feed.login_timeout": "LOGIN 응답 없음",
    "feed.kicked": "같은 앱키의 다른 접속에 밀려남 ({code})",
    "feed.kicked_notice": (
        "⚠️ {feed}: 같은 앱키로 다른 접속이 로그인해 이 접속이 끊겼습니다 ({code}). "
        "서로 계속 끊지 않도록 {duration} 기다렸다 다시 연결합니다. "
        "다른 프로그램을 닫거나 다른 앱키를 쓰세요."
    ),
    "feed.request_refused": "⚠️ {feed}: {request} 요청이 거부되었습니다: {error}",
    "feed.condition_refused": (
        "⚠️ {feed}: 조건검색 {condition}({seq}) 요청이 거부되었습니다: {error}"
    ),
    "feed.condition_unknown": (
        "⚠️ {feed}: 조건검색 '{condition}'이(가) 계정의 조건식 목록에 없습니다 (목록: {listed})"
    ),
    "feed.conditions_over": (
        "⚠️ {feed}: 실시간 조건검색은 로그인당 {limit}개까지입니다. 감시하지 않는 조건식: {dropped}"
    ),
    "feed.dart_key_refused": "OpenDART가 인증키 또는 이 IP를 거부했습니다: {error}",
    "feed.dart_limit": "⚠️ dart: OpenDART {error}: 한도가 풀릴 때까지 공시를 더 드물게 확인합니다",
    "feed.dart_retrying": "⚠️ dart: OpenDART 응답 {error}: 다시 시도합니다",
    "feed.dart_no_message": "메시지 없음",
    "feed.unreadable": "읽을 수 없는 응답 ({reason})",
    "feed.unserved": "실행 중인 피드({feeds})로는 {kind} 규칙을 처리할 수 없습니다: {rules}",
    "ready.feed": "피드 {feed}: {reason}",
    "ready.not_connected": "연결되지 않음",
    "ready.channel_stopped": "채널 {channel} 중지: {error}",
    "ready.delivery_stuck": "전송 멈춤: 보낼 알림 {count}건, {duration} 동안 보낸 것 없음",
    "ready.zero_rules": (
        "규칙 0개: {where}에 규칙이 없습니다 — 폴더 경로(ALERTBOT_RULES, 볼륨 마운트)를 확인하세요"
    ),
    "ready.no_broker": "피드 없음: 증권사 키가 설정되지 않았습니다 — {fix}",
    "ready.database": "상태 DB: {error}",
    "ready.database_not_yet": "아직 연결하지 않음",
    "ready.leader_starting": "리더: 봇 시작 중",
    "ha.leader": "👑 리더: {instance} (epoch {epoch})",
    "ha.leader_took_over": "👑 리더: {instance} (epoch {epoch}), {previous}에게서 넘겨받음",
    "ha.schema_too_new": (
        "DB 스키마가 버전 {version}으로, 이 alertbot이 아는 버전({known})보다 새롭습니다: "
        "새 alertbot을 실행하거나 ALERTBOT_STATE를 다른 DB로 지정하세요"
    ),
    "ha.status": "HA 리더: {leader} ({who}), epoch {epoch}",
    "ha.this_instance": "이 인스턴스",
    "ha.other_instance": "다른 인스턴스",
    "delivery.token_rejected": "{service}: 봇 토큰이 거부되었습니다 ({error})",
    "delivery.chat_migrated": "telegram: 채팅이 또 다른 채팅({chat_id})으로 옮겨졌습니다",
    "ha.lease_lapsed": "리더 임기(lease)가 갱신되지 못하고 끝남",
    "stocks.too_many_pages": "{broker}: 종목 목록이 {pages}쪽을 넘습니다",
    "stocks.no_token": "{broker}: 토큰을 받지 못함 ({error})",
    "stocks.unreachable": "{broker}: 연결할 수 없음 ({error})",
    "stocks.token_refused": "{source}: 토큰 거부 ({error})",
    "stocks.rate_limited": "{source}: 요청 한도 초과 ({error})",
    "stocks.not_json": "{source}: HTTP {status}, JSON 응답이 아님",
    "button.mute_1h": "🔕 1시간",
    # ── record and replay files, the HA database: what the CLI reports
    "record.no_feeds": "증권사 인증 정보가 없어 기록할 피드가 없습니다: {fix}",
    "recording.missing": "{path}: 기록 파일이 없습니다",
    "recording.not_gzip": "{path}: gzip 파일이 아닙니다 ({error})",
    "recording.gzip_damaged": "이 줄 뒤의 gzip 데이터가 손상되었습니다 ({error})",
    "recording.ends_early": "파일이 중간에 끝났습니다 ({error})",
    "recording.not_json": "JSON이 아닙니다 (줄이 잘렸나요?)",
    "recording.no_src": "'src'(프레임을 받은 피드)가 없습니다",
    "recording.bad_time": "'t'가 UTC 오프셋이 있는 시각이 아닙니다: {value!r}",
    "recording.no_frame": "'frame' 텍스트도 'b64' 바이트도 없습니다",
    "ha.no_driver": (
        "postgresql:// ALERTBOT_STATE에는 PostgreSQL 드라이버가 필요합니다: "
        "pip install 'alertbot[postgres]'"
    ),
    "ha.timeout": "PostgreSQL이 {seconds:g}초 안에 응답하지 않았습니다",
    # ── frames a feed could not read (replay's summary, the feed's log)
    "unparsed.not_json": "JSON이 아닙니다",
    "unparsed.not_object": "JSON 객체가 아닙니다",
    "unparsed.no_trnm": "trnm이 없습니다",
    "unparsed.unknown_trnm": "알 수 없는 trnm {trnm}",
    "unparsed.no_header": "header가 없습니다",
    "unparsed.no_body": "{tr_cd}: body가 없습니다",
    "unparsed.unhandled_tr": "다루지 않는 tr_cd {tr_cd}",
    "unparsed.body_not_understood": "{tr_cd}: body를 읽지 못했습니다",
    "unparsed.real_entry": "읽지 못한 REAL 항목",
    "unparsed.no_rcept_no": "rcept_no가 없는 공시",
    "unparsed.no_status": "status가 없습니다",
    "unparsed.no_list": "status 000인데 list가 없습니다",
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
