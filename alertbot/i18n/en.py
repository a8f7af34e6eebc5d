"""English: everything alertbot says, with ``ALERTBOT_LANG=en``. Keys and fields match ``ko.py``."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # ── alerts
    "alert.vi": "⚡ VI {state_label} {display}\n{vi_line}\n{hhmmss}{venue_text}",
    "alert.price": (
        "{arrow} {display} {cross_label} {level_text}{late_note}\n"
        "price {price:,} KRW (day {rate:+.2f}%) · {hhmmss}{venue_text}"
    ),
    "alert.condition": "🔎 Condition {condition_label} {action_label}: {display}\n{hhmmss}",
    "alert.condition_snapshot": (
        "🔎 Condition {condition_label} now matching {match_count} stocks: {matches_text}"
    ),
    "alert.fill": (
        "💰 {side_label} filled {display}\n"
        "filled {qty:,} × {price:,} KRW (ordered {order_qty:,}, open {unfilled:,})\n"
        "order {order_no} · {hhmmss}"
    ),
    "alert.fill_order": (
        "{status_icon} {side_label} {status_label} {display}\n"
        "ordered {order_qty:,}{reason_text}\n"
        "order {order_no} · {hhmmss}"
    ),
    "alert.market": "🚨 {market_label} {label_text}\n{hhmmss}",
    "alert.news": "📰 {title}\n{news_line}",
    "alert.limit": "{limit_headline} {display} {price:,} KRW ({rate:+.2f}%) · {hhmmss}",
    "alert.volume": (
        "📊 volume spike {display} {volume:,}/min (average {average:,.0f} × {ratio:.1f}) · {minute}"
    ),
    "alert.disclosure": "📑 filing {display} {report} · {hhmm}\nfiled by {filer}\n{url}",
    # ── one-line summaries
    "summary.vi": "{display} VI {state_label} at {vi_price:,} KRW ({rate:+.2f}%)",
    "summary.price": "{display} {price:,} KRW {level_short}",
    "summary.condition": "{display} {condition_label} {action_label}",
    "summary.condition_snapshot": "{condition_label} now matching {match_count} stocks",
    "summary.fill": "{display} {side_label} filled {qty:,} × {price:,} KRW",
    "summary.fill_order": "{display} {side_label} {status_label} {order_qty:,}{reason_text}",
    "summary.market": "{market_label} {label_text}",
    "summary.news": "{title}",
    "summary.limit": "{display} {limit_label} {limit_state} {price:,}",
    "summary.volume": "{display} volume {volume:,}/min ×{ratio:.1f}",
    "summary.disclosure": "{display} {report}",
    # ── pieces of alerts
    "vi.trigger": "trigger {price:,} KRW ({rate:+.2f}% vs reference)",
    "vi.kind": "{kind} VI",
    "vi.state.triggered": "triggered",
    "vi.state.released": "released",
    "vi.kind.static": "static",
    "vi.kind.dynamic": "dynamic",
    "vi.kind.static+dynamic": "static+dynamic",
    "direction.up": "up",
    "direction.down": "down",
    "venue": " · {venue}",
    "price.level": "{level:,} KRW",
    "price.level_pct": "day change {level:+g}%",
    "price.cross.up": "crossed above",
    "price.cross.down": "fell below",
    "price.late": " (crossed before the alert hours, still past it)",
    "condition.enter": "entered",
    "condition.exit": "left",
    "condition.more": "{shown} and {rest} more",
    "side.buy": "Buy",
    "side.sell": "Sell",
    "side.none": "Order",
    "fill.reason": " · reason: {reason}",
    "fill.status.접수": "accepted",
    "fill.status.정정": "amended",
    "fill.status.취소": "cancelled",
    "fill.status.확인": "confirmed",
    "fill.status.거부": "rejected",
    "limit.up": "upper limit",
    "limit.down": "lower limit",
    "limit.up.reached": "🔺 upper limit",
    "limit.down.reached": "🔻 lower limit",
    "limit.up.released": "↩️ left upper limit",
    "limit.down.released": "↩️ left lower limit",
    "limit.state.reached": "reached",
    "limit.state.released": "left",
    "news.related": "related: {symbols} · {hhmmss}",
    "market.kospi": "KOSPI",
    "market.kosdaq": "KOSDAQ",
    "market.konex": "KONEX",
    "market.derivatives": "derivatives",
    "market.nxt": "NXT",
    "market.krx_night": "KRX night derivatives",
    "market.us": "US stocks",
    "market.china_am": "China stocks (morning)",
    "market.china_pm": "China stocks (afternoon)",
    "market.hongkong_am": "Hong Kong stocks (morning)",
    "market.hongkong_pm": "Hong Kong stocks (afternoon)",
    "market.japan_am": "Japan stocks (morning)",
    "market.japan_pm": "Japan stocks (afternoon)",
    "category.circuit_breaker": "circuit breaker",
    "category.sidecar": "sidecar",
    "category.session": "session",
    "category.price_limit": "price limit",
    "category.other": "other",
    "market.status": "{category} {code}",
    "app.started": "alertbot {version} started: {rules} rules, feeds: {feeds}",
    "app.no_feeds": "none — {fix}",
    "rules.fixed": "✅ rules fixed and applied: {count} rules",
    "rules.rejected": "⚠️ rules not reloaded: still running the last good rules\n{problems}",
    "rules.more": "… and {count} more",
    "rules.channel_new": "channel '{channel}' is new: restart alertbot to add a channel",
    "test.text": (
        "🧪 alertbot test alert\n"
        "⚡ VI triggered 삼성전자(005930) at 78,400 KRW — alerts look like this"
    ),
    "test.summary": "삼성전자(005930) at 78,400 KRW",
    # ── chat commands
    "cmd.help": (
        "/status — feeds, last event, outbox, rules\n"
        "/rules — the rules in force\n"
        "/mute <rule> [duration] — e.g. /mute vi-watchlist 2h (no duration: until /unmute)\n"
        "/unmute <rule>\n"
        "/test — send a sample alert"
    ),
    "cmd.all": "all",
    "cmd.button.unknown": "No such rule in force (a test alert, or a rule since removed).",
    "cmd.button.muted": "🔕 {rule} · {target} muted for 1h",
    "cmd.status.feed": "{feed}: {state}{seen}",
    "cmd.status.up": "up",
    "cmd.status.down": "down",
    "cmd.status.last_event": ", last event {at}",
    "cmd.status.no_event": ", no event yet",
    "cmd.status.no_feeds": "no feeds configured",
    "cmd.status.outbox": "outbox: {count} waiting",
    "cmd.status.dead": "dead letters: {count} set aside (refused by the chat service)",
    "cmd.status.rules": "rules: {count}",
    "cmd.rules.none": "No rules loaded.",
    "cmd.rules.disabled": " (disabled)",
    "cmd.mute.usage": "Usage: /mute <rule> [duration], e.g. /mute vi-watchlist 2h",
    "cmd.mute.unknown": "No rule named '{rule}'. /rules lists them.",
    "cmd.mute.until_unmute": "🔕 {rule} muted until /unmute",
    "cmd.mute.for": "🔕 {rule} muted for {duration}",
    "cmd.until_unmute": " until /unmute",
    "cmd.unmute.usage": "Usage: /unmute <rule>",
    "cmd.unmute.done": "🔔 {rule} unmuted",
    "cmd.unmute.not_muted": "{rule} was not muted",
    "cmd.test.sent": "Sample alert sent to {channels}.",
    # ── storm digests and delivery marks
    "digest.count": "{header} · {count} {noun}",
    "digest.more": "… {count} more {noun} (next message)",
    "digest.noun.stocks": "stocks",
    "digest.noun.alerts": "alerts",
    "digest.kind.vi": "⚡ VI",
    "digest.kind.price": "📈 price",
    "digest.kind.condition": "🔎 condition search",
    "digest.kind.fill": "💰 fills",
    "digest.kind.market": "🚨 market",
    "digest.kind.news": "📰 news",
    "digest.kind.limit": "🔺 price limits",
    "digest.kind.volume": "📊 volume spikes",
    "digest.kind.disclosure": "📑 filings",
    "mark.late": "⏰ late {age}",
    "mark.resent": "🔁 resent",
    # ── the bot's own notices
    "channel.gone": (
        "⚠️ channel '{channel}' is no longer configured: its {count} unsent messages were "
        "set aside (see /status)"
    ),
    "channel.stopped": (
        "⚠️ channel '{channel}' stopped: {error}\n"
        "Check its settings (token, chat_id, whether the bot was blocked). Unsent alerts are "
        "kept and go out once the channel works again."
    ),
    "channel.resumed": "✅ channel '{channel}' back: sending the alerts kept for it",
    "channel.set_aside": (
        "⚠️ channel '{channel}': a message it refused was set aside ({what})\n"
        "the service said: {reason}"
    ),
    "channel.set_aside.alert": "rule {rule}, stock {symbol}",
    "channel.set_aside.notice": "a notice",
    "feed.down": "⚠️ {feed} feed down for {duration}{why}",
    "feed.why": ": {error}",
    "feed.up": "✅ {feed} feed back up (was down {duration})",
    "duration.seconds": "{seconds}s",
    "duration.minutes": "{minutes}m",
    "duration.hours": "{hours}h",
    "duration.hours_minutes": "{hours}h{minutes:02d}m",
    "rule.message_failed": (
        "⚠️ rule '{rule}': its message could not be filled in for {subject} at {at}; "
        "the default message was sent instead. Fix the rule's message."
    ),
    "ready.not_running": "not running (starting or stopping)",
    # ── alertbot demo
    "demo.start": "alertbot demo: {frames:,} frames from {day}, rules from {rules}",
    # ── alertbot replay
    "replay.day": "── {date} {weekday} ──",
    "replay.column.rule": "rule",
    "replay.column.fired": "fired",
    "replay.column.cooldown": "cooldown",
    "replay.column.dedupe": "dedupe",
    "replay.column.inactive": "inactive",
    "replay.totals": "{frames:,} frames ({sources}), {events:,} events",
    "replay.unparsed": "unparsed: {count:,} × {reason}",
    "replay.damaged": "damaged: {problem}",
    "replay.damaged_more": "damaged: … and {count:,} more",
    "weekday.0": "Mon",
    "weekday.1": "Tue",
    "weekday.2": "Wed",
    "weekday.3": "Thu",
    "weekday.4": "Fri",
    "weekday.5": "Sat",
    "weekday.6": "Sun",
    # ── the stock master
    "stocks.load_failed": (
        "⚠️ could not load the stock list ({broker}): {error}\n"
        "going on with the {count:,} stock names known; trying again tomorrow."
    ),
    # ── settings: what an operator reads when an environment variable is wrong
    "settings.flag": "expected 1 or 0, got {value!r}",
    "settings.choice": "expected one of {allowed}, got {value!r}",
    "settings.seconds": "expected a number of seconds such as 60, got {value!r}",
    "settings.lease": "expected 1 to 300 seconds, got {seconds:g}",
    "settings.host_port": "expected HOST:PORT such as 127.0.0.1:9108, got {value!r}",
    "settings.url": "expected a URL starting with one of {schemes}, got {value!r}",
    "settings.port": "bad port in {value!r}",
    "settings.dart_poll": "expected at least {minimum:g} seconds, got {seconds:g}",
    "settings.pair": "is required when {given} is set",
    "settings.state": "{problem}: {url}",
    "settings.state.invalid": "not a valid postgresql:// URI ({error})",
    "settings.state.no_database": (
        "name the database, e.g. postgresql://user:password@host:5432/alertbot"
    ),
    # ── alertbot (the command line)
    "cli.settings": "alertbot: {error}",
    "cli.doctor.settings": "❌ environment variable {error}",
    "cli.description": (
        "Real-time alerts from Kiwoom and LS Securities feeds and DART disclosures"
        " (DART_API_KEY) to Telegram and Slack."
    ),
    "cli.epilog": (
        "Set ALERTBOT_LANG=ko for Korean (the default). Every environment variable is "
        "described in README.md and in the alertbot.env that alertbot init writes."
    ),
    "cli.version": "show program's version number and exit",
    "cli.metavar.command": "COMMAND",
    "cli.metavar.service": "SERVICE",
    "cli.metavar.path": "PATH",
    "cli.metavar.file": "FILE",
    "cli.metavar.folder": "DIR",
    "cli.metavar.seconds": "SECONDS",
    "cli.metavar.codes": "CODES",
    "cli.metavar.token": "TOKEN",
    "cli.metavar.channel": "CHANNEL",
    "cli.metavar.url": "URL",
    "cli.run": (
        "run the bot (feeds start for brokers with credentials); with "
        "ALERTBOT_STATE=postgresql://… it joins a group that elects one leader"
    ),
    "cli.run.rules": "rule file or folder (default: $ALERTBOT_RULES)",
    "cli.demo": "run on a simulated market day; no account needed",
    "cli.demo.rules": "default: the examples shipped with alertbot",
    "cli.demo.speed": "keep the day's gaps between frames, N times shorter (default: no gaps)",
    "cli.check": "validate rule files; exit 1 on any error",
    "cli.check.path": "rule file or folder",
    "cli.check.strict": (
        "an unset ${{VAR}} is an error (by default a warning, for CI without secrets)"
    ),
    "cli.record": "write the configured feeds' raw frames to a file (nothing is sent)",
    "cli.record.out": "the file to write: *.jsonl, or *.jsonl.gz",
    "cli.record.rules": "record what these rules need (default: $ALERTBOT_RULES)",
    "cli.record.symbols": "more stocks whose trades to record, comma-separated: 005930,000660",
    "cli.replay": "run recorded frames through rules: the alerts they would have sent",
    "cli.replay.file": "a file from alertbot record (*.jsonl, *.jsonl.gz)",
    "cli.replay.rules": "default: rules/",
    "cli.replay.speed": "N × real time, keeping the gaps between frames",
    "cli.replay.fast": "no waiting between frames (the default)",
    "cli.replay.send": "send the alerts to the rules' channels for real",
    "cli.replay.full": "print each alert's whole message",
    "cli.init": "a starter rules folder and an env file, commented in Korean",
    "cli.init.dir": "default: here",
    "cli.setup": "connect a chat service: setup telegram | slack",
    "cli.setup.telegram": "check the bot token and find the chat_id (groups and topics too)",
    "cli.setup.telegram.token": "default: $TELEGRAM_BOT_TOKEN, the --env-file, or ask",
    "cli.setup.timeout": "seconds to wait",
    "cli.setup.slack": "check the bot token (auth.test) and find the channel id",
    "cli.setup.slack.token": "default: $SLACK_BOT_TOKEN, the --env-file, or ask",
    "cli.setup.slack.channel": "#name, name or id",
    "cli.setup.env_file": "write the token and the id into this file",
    "cli.setup.base_url": "the service's API address (self-hosted, tests)",
    "cli.doctor": (
        "check the real configuration item by item: rules, state, clock, brokers, channels"
    ),
    "cli.doctor.dry_run": "check channels' tokens without sending",
    "cli.doctor.env_file": "read variables from this file too",
    "cli.doctor.timeout": "seconds per network step",
    "cli.healthcheck": "exit 0 when the running bot at $ALERTBOT_HTTP answers /healthz",
    "cli.healthcheck.ready": "ask /readyz instead",
    "cli.bad_codes": "not six-character stock codes: {codes}",
    "cli.bad_speed": "expected a positive number, got {value!r}",
    "cli.argparse.usage": "usage: ",
    "cli.argparse.positionals": "positional arguments",
    "cli.argparse.options": "options",
    "cli.argparse.help": "show this help message and exit",
    "cli.argparse.error": "{prog}: error: {message}\n",
    "cli.argparse.argument": "argument {argument_name}: {message}",
    "cli.argparse.required": "the following arguments are required: {arguments}",
    "cli.argparse.one_required": "one of the arguments {arguments} is required",
    "cli.argparse.unrecognized": "unrecognized arguments: {arguments}",
    "cli.argparse.invalid_choice": "invalid choice: {value} (choose from {choices})",
    "cli.argparse.invalid_value": "invalid {type} value: {value}",
    "cli.argparse.expected_one": "expected one argument",
    "cli.argparse.expected_at_most_one": "expected at most one argument",
    "cli.argparse.expected_at_least_one": "expected at least one argument",
    "cli.argparse.not_allowed_with": "not allowed with argument {argument}",
    "cli.argparse.ignored_explicit": "ignored explicit argument {value}",
    "cli.argparse.ambiguous": "ambiguous option: {option} could match {matches}",
    "cli.demo.no_rules": (
        "alertbot demo: no rules at {path!r}: pass --rules PATH, "
        "or leave --rules out for the shipped examples"
    ),
    "cli.record.done": "{out}: {frames:,} frames ({sources})",
    # ── onboarding: alertbot init, setup telegram|slack, doctor
    "init.made": "Created: {path}",
    "init.kept": "Kept: {path} (it already exists)",
    "init.next": (
        "\nNext steps:\n"
        "  1. alertbot setup telegram --env-file {env}    (checks the token, finds the chat_id)\n"
        "  2. put your broker's app keys into {env}       (README.md)\n"
        "  3. alertbot doctor --env-file {env}            (checks rules, brokers, channels)\n"
        "  4. set -a; . {env}; set +a; alertbot run --rules {rules}\n"
        "     or with Docker: docker compose up -d --wait"
    ),
    "setup.connected": "✅ alertbot connected: alerts will arrive here",
    "setup.saved": "📝 saved in {path} ({keys})",
    "setup.telegram.prompt": "Telegram bot token (from @BotFather, like 123456:ABC…): ",
    "setup.telegram.no_token": (
        "no bot token: give it with --token or set TELEGRAM_BOT_TOKEN "
        "(create one in Telegram with @BotFather → /newbot)"
    ),
    "setup.telegram.token_ok": "✅ Token OK: @{username} ({name})",
    "setup.telegram.waiting": (
        "👉 In Telegram, send @{username} any message.\n"
        "   For a group, add the bot to the group and send /start@{username} there "
        "(in a forum, inside the topic).\n"
        "   Waiting… (up to {seconds:.0f} s)"
    ),
    "setup.telegram.conflict": (
        "another program is reading this bot's updates ({error}): stop the running alertbot "
        "for a moment, or if the bot uses a webhook, call deleteWebhook and run this again"
    ),
    "setup.telegram.timeout": (
        "no message came within {seconds:.0f} s: check that you wrote to the bot, or in a group "
        "that you added the bot and sent /start@botname, then run this again"
    ),
    "setup.telegram.refused": (
        "Telegram refused the token: copy it again from @BotFather → /mybots"
    ),
    "setup.telegram.forbidden": (
        "the bot cannot post in this chat ({error}): in a channel, add the bot as an admin"
    ),
    "setup.telegram.api_error": "Telegram API error: {error}",
    "setup.telegram.found": "✅ Chat found: {kind} {title}",
    "setup.telegram.kind.private": "private chat",
    "setup.telegram.kind.group": "group",
    "setup.telegram.kind.supergroup": "group",
    "setup.telegram.kind.channel": "channel",
    "setup.telegram.thread": (
        "TELEGRAM_THREAD_ID={thread}   (forum topic: message_thread_id of the rules file's channel)"
    ),
    "setup.slack.prompt": "Slack bot token (xoxb-…): ",
    "setup.slack.no_token": "no Slack bot token: give it with --token or set SLACK_BOT_TOKEN",
    "setup.slack.token_ok": "✅ Token OK: workspace {team}, bot {user}",
    "setup.slack.api_error": "Slack API error {error}: {fix}",
    "setup.slack.fix": "check the token and the app's settings",
    "setup.slack.fix.invalid_auth": (
        "wrong token: use the Bot User OAuth Token (xoxb-…) from api.slack.com/apps → "
        "OAuth & Permissions"
    ),
    "setup.slack.fix.not_authed": "no token given",
    "setup.slack.fix.token_revoked": (
        "the token was revoked: install the app in the workspace again"
    ),
    "setup.slack.fix.missing_scope": (
        "missing scopes: add chat:write, channels:read, groups:read and install the app again"
    ),
    "setup.slack.fix.not_in_channel": "the bot is not in the channel: /invite @botname there",
    "setup.slack.fix.channel_not_found": (
        "channel not found: for a private channel, invite the bot first"
    ),
    "setup.slack.not_found": (
        "channel #{channel} not found (channels the bot is in: {joined}): check the name, "
        "or for a private channel /invite @botname first"
    ),
    "setup.slack.not_member": "the bot is not in #{channel}: /invite @botname in that channel",
    "setup.slack.channel_ok": "✅ Channel OK: #{channel}",
    "doctor.line": "{status} {item}: {detail}",
    "doctor.line.fix": "{status} {item}: {detail} → fix: {fix}",
    "doctor.all_ok": "All good.",
    "doctor.to_fix": "Items to fix: {count}.",
    "doctor.test_message": "🧪 alertbot doctor: test message — alerts will arrive here",
    "doctor.item.rules": "Rules",
    "doctor.rules.more": "{first} and {count} more",
    "doctor.rules.fix": "run alertbot check {rules} for the full list and fix them",
    "doctor.rules.empty_fix": "create starter rules with alertbot init",
    "doctor.rules.ok": "{rules}: {count} rules, {channels} channels",
    "doctor.item.state": "State store",
    "doctor.state.ok": "{path} is writable",
    "doctor.state.fix": (
        "make sure ALERTBOT_STATE's folder exists and is writable "
        "(the container runs as uid 10001: sudo chown 10001:10001 folder)"
    ),
    "doctor.database.ok": "PostgreSQL {url} connected (server {version})",
    "doctor.database.fix": (
        "check the address, user, password and firewall of "
        "ALERTBOT_STATE=postgresql://user:password@host:5432/db"
    ),
    "doctor.item.clock": "Clock (KST)",
    "doctor.clock.skew": "now {now}, {skew:+.0f} s from the server",
    "doctor.clock.alone": "now {now} (no broker server to compare with)",
    "doctor.clock.fix": "set the system clock (NTP: timedatectl set-ntp true, or chrony)",
    "doctor.item.brokers": "Brokers",
    "doctor.brokers.none": "no broker keys are set",
    "feeds.keys_fix": (
        "set KIWOOM_APPKEY and KIWOOM_SECRETKEY (or KIWOOM_TOKEN), LS_APPKEY and LS_APPSECRET "
        "(or LS_TOKEN), or DART_API_KEY"
    ),
    "doctor.network.fix": (
        "check the internet connection and {url_var}; also that this server's public IP is "
        "registered in the broker's portal and no firewall blocks the port"
    ),
    "doctor.skip.no_token": "skipped: no token",
    "doctor.skip.bot_running": (
        "skipped because alertbot is running on this machine: Kiwoom allows one WebSocket per "
        "app key, so connecting here would cut the bot's. Stop the bot and check again"
    ),
    "doctor.broker.kiwoom": "Kiwoom",
    "doctor.item.token": "{broker} token",
    "doctor.item.token_issue": "{broker} token issuance",
    "doctor.token.no_answer": "no answer",
    "doctor.token.issued": "issued by {url}",
    "doctor.registration_refused": "registration refused: {reason}",
    "doctor.kiwoom.key_fix": (
        "copy the app key and secret key again from openapi.kiwoom.com. Mock-trading keys work "
        "only with KIWOOM_MOCK=1, real keys only without KIWOOM_MOCK"
    ),
    "doctor.kiwoom.ready_token": (
        "using KIWOOM_TOKEN (not issued here: replace it yourself when it expires)"
    ),
    "doctor.item.kiwoom_ws": "Kiwoom WebSocket",
    "doctor.item.kiwoom_login": "Kiwoom WebSocket LOGIN",
    "doctor.item.kiwoom_reg": "Kiwoom real-time registration (REG)",
    "doctor.kiwoom.login_refused": "login refused: {reason}",
    "doctor.kiwoom.login_fix": (
        "the token does not fit the server: check that the server (real or mock, KIWOOM_MOCK) "
        "matches the keys, and that a KIWOOM_TOKEN has not expired"
    ),
    "doctor.skip.login_failed": "skipped: the login failed",
    "doctor.kiwoom.login_ok": "logged in at {url}",
    "doctor.kiwoom.reg_fix": (
        "check the real-time quote permission and registration limit in Kiwoom's API portal"
    ),
    "doctor.kiwoom.reg_ok": "{symbol} trades (0B) registered and removed again",
    "doctor.ls.key_fix": (
        "copy the app key and secret again from openapi.ls-sec.co.kr (mock trading: LS_MOCK=1)"
    ),
    "doctor.ls.ready_token": "using LS_TOKEN (not issued here: it expires every day at 07:00)",
    "doctor.item.ls_ws": "LS WebSocket",
    "doctor.item.ls_reg": "LS real-time registration (JIF)",
    "doctor.ls.token_refused_fix": (
        "the token was refused: issue a new LS_TOKEN, and check that real or mock (LS_MOCK) "
        "matches the keys"
    ),
    "doctor.ls.reg_fix": "check the real-time quote subscription in the LS OPEN API portal",
    "doctor.ls.reg_ok": "market status (JIF) at {url} registered and removed again",
    "doctor.item.dart": "OpenDART key",
    "doctor.dart.unreadable": "not an OpenDART answer ({reason})",
    "doctor.dart.url_fix": "check DART_API_URL",
    "doctor.dart.ok": "filing search at {url} works ({pages} pages today)",
    "doctor.dart.key_fix": (
        "check the key on opendart.fss.or.kr's API key page "
        "(012: register this server's public IP on that page)"
    ),
    "doctor.dart.other_fix": (
        "020: the daily limit (20,000 requests) is used up, try tomorrow; "
        "800 or 900: OpenDART is under maintenance"
    ),
    "doctor.item.channel": "Channel {name} ({type})",
    "doctor.item.channels": "Channels",
    "doctor.channels.skipped": "skipped: the rules could not be read",
    "doctor.channel.console": "standard output: nothing to check",
    "doctor.channel.checked": "token OK (--dry-run: no message sent)",
    "doctor.channel.sent": "test message sent: check that it arrived",
    "doctor.channel.fix": "check the channel's settings",
    "doctor.channel.fix.telegram": (
        "check the token and chat_id again with alertbot setup telegram "
        "(for a group: is the bot still in it?)"
    ),
    "doctor.channel.fix.slack": (
        "check the token and channel with alertbot setup slack --channel '#channel' "
        "(/invite the bot to the channel)"
    ),
    # ── alertbot check: rule files' problems, each after "file:line: " (also in reload notices)
    "check.warning": "warning: {problem}",
    "check.ok": "{path}: ok — {rules} rules ({kinds}), {channels} channels ({types})",
    "check.disabled": "{count} disabled",
    "check.no_path": "no such file or folder",
    "check.cannot_read": "cannot read: {reason}",
    "check.cp949": (
        "this file is saved as cp949 (EUC-KR): save it as UTF-8 in your editor"
        " (Notepad: Save as → Encoding UTF-8)"
    ),
    "check.not_utf8": "this file is not UTF-8: save it as UTF-8 in your editor",
    "check.env_missing": "environment variable {name} is not set",
    "check.yaml": "YAML syntax error at column {column}: {problem}",
    "check.yaml.other": "YAML syntax error: {problem}",
    "check.yaml.parser": "{problem}",
    "check.yaml.unclosed_list": (
        "the list opened with '[' on line {line} is not closed:"
        " separate its items with ',' and end it with ']'"
    ),
    "check.yaml.unclosed_mapping": (
        "the mapping opened with '{{' on line {line} is not closed:"
        " separate its items with ',' and end it with '}}'"
    ),
    "check.yaml.unclosed_quote": "the quote opened on line {line} is not closed",
    "check.yaml.colon": (
        "'key: value' is not allowed here: check the indentation,"
        " and quote a value that contains ': '"
    ),
    "check.yaml.indent": (
        "the indentation does not line up: keys and '-' items of one level start in the same column"
    ),
    "check.yaml.missing_colon": "a ':' is missing: write 'key: value'",
    "check.yaml.tab": "a tab cannot indent YAML: use spaces",
    "check.yaml.bad_character": "a value cannot start with '{char}': put the value in quotes",
    "check.yaml.escape": (
        "unknown escape after '\\' in double quotes: use single quotes or write '\\\\'"
    ),
    "check.yaml.no_value": "a value is missing here: check that brackets and quotes are closed",
    "check.yaml.tag_handle": "undefined tag: quote a value that contains '!'",
    "check.yaml.tag": "tag {tag} is not used in rule files",
    "check.yaml.tag_value": "not a value {tag} can read: {value}",
    "check.yaml.alias": "undefined alias *{anchor}: define &{anchor} first",
    "check.yaml.duplicate_key": "duplicate key '{key}'",
    "check.yaml.merge": "<< merges mappings only (an alias such as *base, or a list of them)",
    "check.yaml.documents": (
        "one document per file: move the second document (after '---') to another file"
    ),
    "check.no_rules": "no rules in {path}: nothing would be watched",
    "check.no_rule_files": "no rule files (*.yaml, *.yml) in {path}: nothing would be watched",
    "check.not_mapping": "expected a mapping with channels, defaults, rules",
    "check.top_level_key": (
        "unknown top-level key '{key}' (keys: channels, defaults, rules;"
        " shared anchors go under x-…)"
    ),
    "check.defaults_twice": "defaults already given at {file}:{line}",
    "check.channels_not_mapping": "channels: expected a mapping of channel names to settings",
    "check.channel_twice": "channel '{channel}' is defined twice",
    "check.channel": "channel '{channel}': {problem}",
    "check.channel_type": "unknown channel type '{type}' (known: {known})",
    "check.rules_not_list": "rules: expected a list of rules (each '- name: …')",
    "check.rule": "rule '{rule}': {problem}",
    "check.rule_unnamed": "rule: {problem}",
    "check.at_key": "{key}: {problem}",
    "check.name_used": "name already used at {file}:{line}",
    "check.not_listed": "{code} is not a listed stock (closest: {closest})",
    "check.unknown_channel": "unknown channel '{channel}' (channels: {known})",
    "check.defaults_channel": "defaults: {key}: unknown channel '{channel}' (channels: {known})",
    "check.no_channel": "no channel: set notify or defaults.notify",
    "check.unknown_key": "unknown key (keys: {keys})",
    "check.missing": "required, but missing",
    "check.missing_key": "missing key {key}",
    "check.one_of": "expected one of {allowed}, got {value}",
    "check.unknown_event": "unknown event {event} (known: {allowed})",
    "check.yaml_bool": "YAML reads on/off/yes/no as true/false: put the text in quotes",
    "check.text": "expected text, got {value}",
    "check.bool": "expected true or false, got {value}",
    "check.number": "expected a number such as 80000, got {value}",
    "check.list": "expected a list such as [a, b], got {value}",
    "check.mapping": "expected a 'key: value' mapping, got {value}",
    "check.too_short": "expected at least {min_length} items, got {actual_length}",
    "check.too_short_text": "expected at least {min_length} characters, got {value}",
    "check.greater_than": "expected more than {gt}, got {value}",
    "check.at_least": "expected at least {ge}, got {value}",
    "check.pattern": "expected the form {pattern}, got {value}",
    "check.invalid": "invalid value {value} ({kind})",
    "check.duration": "expected a duration such as 60s, 5m or 1h, got {value}",
    "check.stock_code": 'expected a stock code such as "005930", got {value}',
    "check.stock_code_name": (
        '{code} is not a stock code: write the 6-character code, such as "005930"'
        " for 삼성전자 (names are not codes)"
    ),
    "check.stock_code_capitals": (
        "{code} is not a stock code: a KRX code is 6 digits or capital letters;"
        ' write it in capitals, such as "005930"'
    ),
    "check.stock_code_zeros": (
        "{code} is not a stock code: a KRX code is 6 digits or capital letters;"
        ' write it with its leading zeros, such as "005930"'
    ),
    "check.blank_keyword": "a blank keyword would match every headline: write a word or remove it",
    "check.needs_symbol": 'a {kind} rule needs symbol: "005930" or symbols: [...]',
    "check.needs_level": "a price rule needs one of {levels}",
    "check.one_condition": 'give condition: "name" or seq: N (one of them)',
    "check.market_status": 'unknown status {value}: use {allowed}, any, or a raw code such as "61"',
    "check.market_name": (
        'unknown market {value}: use {allowed} or a raw LS market code such as "A"'
    ),
    "check.volume_window": (
        "window must be whole minutes, at least {minutes}m (e.g. 20m), got {value}"
    ),
    "check.calendar": "the KRX calendar (exchange_calendars) failed: {error}",
    "check.active_syntax": (
        'expected "HH:MM-HH:MM" optionally followed by weekdays, weekends, daily, krx or'
        ' mon-fri; or "krx" for the KRX session, got {value}'
    ),
    "check.active_same": "{window}: start and end are the same; use 00:00-24:00 for all day",
    "check.active_24": "{window}: a window cannot start at 24:00",
    "check.active_time": "{window}: {time} is not a time of day",
    "check.active_day": "unknown day {day}: use {days}, weekdays, weekends or daily",
    "check.template_braces": "unbalanced braces: write {{{{ and }}}} for literal braces",
    "check.template_unnamed": "unnamed {{}} placeholder: name a field, e.g. {{price:,}}",
    "check.template_field": "unknown field {{{field}}} for {kind} events (fields: {fields})",
    "check.template_format": (
        "cannot fill {placeholder}: the format does not suit {field}'s value (e.g. {sample})"
    ),
    "check.template_format_level": (
        "with {key}: {level}, cannot fill {placeholder}: the format does not suit"
        " {field}'s value (e.g. {sample})"
    ),
    "check.slack_one_way": "give either token (with channel) or webhook_url",
    "check.slack_channel": "channel is required with a bot token",
    # ── runtime notices: feeds, HA, readiness (`/readyz`), `/status` and chat buttons
    "word.none": "none",
    "feed.stopped": "⚠️ {feed} feed stopped: {error}\nFix the setting and restart alertbot.",
    "feed.silent": "⚠️ {feed} feed silent during market hours ({why}); reconnecting",
    "feed.no_frame": "no frame for {duration}",
    "feed.no_trade": "no trade for the watched stocks, even after registering again",
    "feed.closed": "connection closed",
    "feed.token_refused": "the access token was refused ({error})",
    "feed.token_renewing": "{error}; issuing a new one",
    "feed.fixed_token": (
        "{error}: a fixed {token_var} cannot be renewed: set a fresh one, or {keys}"
    ),
    "feed.token_refused_again": (
        "⚠️ {feed}: freshly issued tokens are refused too ({error}); retrying with a new token "
        "each time, with growing pauses. Check that {keys} are for this server "
        "(real vs mock, {mock_var}) and allowed from this IP."
    ),
    "feed.app_key_refused": (
        "the app key was refused ({error}): check {keys} and {mock_var} (real vs mock)"
    ),
    "feed.token_unreachable": "token endpoint unreachable ({error})",
    "feed.token_not_issued": "token not issued ({error})",
    "feed.login_refused": "LOGIN refused: {error}",
    "feed.login_timeout": "LOGIN not answered",
    "feed.kicked": "kicked by the same app key elsewhere ({code})",
    "feed.kicked_notice": (
        "⚠️ {feed}: another connection logged in with the same app key ({code}) and ended "
        "this one. Waiting {duration} before reconnecting so the two do not keep kicking each "
        "other; close the other program or use another app key."
    ),
    "feed.request_refused": "⚠️ {feed}: {request} refused: {error}",
    "feed.condition_refused": "⚠️ {feed}: condition {condition}({seq}) refused: {error}",
    "feed.condition_unknown": (
        "⚠️ {feed}: condition '{condition}' is not in the account's list (listed: {listed})"
    ),
    "feed.conditions_over": (
        "⚠️ {feed}: only {limit} realtime condition searches are allowed per login; "
        "not watching: {dropped}"
    ),
    "feed.dart_key_refused": "OpenDART refused the key or this IP: {error}",
    "feed.dart_limit": (
        "⚠️ dart: OpenDART {error}; disclosures are polled less often until it passes"
    ),
    "feed.dart_retrying": "⚠️ dart: OpenDART answered {error}; trying again",
    "feed.dart_no_message": "no message",
    "feed.unreadable": "unreadable answer ({reason})",
    "feed.unserved": "no running feed ({feeds}) serves {kind} rules: {rules}",
    "ready.feed": "feed {feed}: {reason}",
    "ready.not_connected": "not connected",
    "ready.channel_stopped": "channel {channel} stopped: {error}",
    "ready.delivery_stuck": "delivery: {count} waiting, none sent for {duration}",
    "ready.zero_rules": (
        "0 rules: {where} holds no rules — check the folder path (ALERTBOT_RULES, volume mount)"
    ),
    "ready.no_broker": "no feed: no broker keys are set — {fix}",
    "ready.database": "database: {error}",
    "ready.database_not_yet": "not connected yet",
    "ready.leader_starting": "leader: starting",
    "ha.leader": "👑 leader now: {instance} (epoch {epoch})",
    "ha.leader_took_over": "👑 leader now: {instance} (epoch {epoch}), taking over from {previous}",
    "ha.schema_too_new": (
        "the database schema is at version {version}, newer than this alertbot knows "
        "({known}): run the newer alertbot, or point ALERTBOT_STATE at another database"
    ),
    "ha.status": "HA leader: {leader} ({who}), epoch {epoch}",
    "ha.this_instance": "this instance",
    "ha.other_instance": "another instance",
    "delivery.token_rejected": "{service}: the bot token was rejected ({error})",
    "delivery.chat_migrated": "telegram: chat migrated again to {chat_id}",
    "ha.lease_lapsed": "lease ran out unrenewed",
    "stocks.too_many_pages": "{broker}: more than {pages} pages",
    "stocks.no_token": "{broker}: no token ({error})",
    "stocks.unreachable": "{broker}: unreachable ({error})",
    "stocks.token_refused": "{source}: token refused ({error})",
    "stocks.rate_limited": "{source}: rate limited ({error})",
    "stocks.not_json": "{source}: HTTP {status} without a JSON object",
    "button.mute_1h": "🔕 1h",
    # ── record and replay files, the HA database: what the CLI reports
    "record.no_feeds": "no broker credentials are set, record has no feed: {fix}",
    "recording.missing": "{path}: no such recording",
    "recording.not_gzip": "{path}: not a gzip file ({error})",
    "recording.gzip_damaged": "gzip data damaged after this line ({error})",
    "recording.ends_early": "file ends early ({error})",
    "recording.not_json": "not JSON (a line cut short?)",
    "recording.no_src": "no 'src' (the feed that received the frame)",
    "recording.bad_time": "'t' is not a time with a UTC offset: {value!r}",
    "recording.no_frame": "no 'frame' text (nor 'b64' bytes)",
    "ha.no_driver": (
        "a postgresql:// ALERTBOT_STATE needs the PostgreSQL driver: "
        "pip install 'alertbot[postgres]'"
    ),
    "ha.timeout": "PostgreSQL did not answer within {seconds:g}s",
    # ── frames a feed could not read (replay's summary, the feed's log)
    "unparsed.not_json": "not JSON",
    "unparsed.not_object": "not a JSON object",
    "unparsed.no_trnm": "no trnm",
    "unparsed.unknown_trnm": "unknown trnm {trnm}",
    "unparsed.no_header": "no header",
    "unparsed.no_body": "{tr_cd}: no body",
    "unparsed.unhandled_tr": "unhandled tr_cd {tr_cd}",
    "unparsed.body_not_understood": "{tr_cd}: body not understood",
    "unparsed.real_entry": "REAL entry not understood",
    "unparsed.no_rcept_no": "filing without a rcept_no",
    "unparsed.no_status": "no status",
    "unparsed.no_list": "status 000 without a list",
}

MARKET_STATUS: dict[str, str] = {
    "stocks:61": "circuit breaker stage 1 triggered",
    "stocks:62": "circuit breaker stage 1 lifted, orders accepted again",
    "stocks:63": "circuit breaker stage 1 call auction ended",
    "stocks:64": "sidecar (sell) triggered",
    "stocks:65": "sidecar (sell) lifted",
    "stocks:66": "sidecar (buy) triggered",
    "stocks:67": "sidecar (buy) lifted",
    "stocks:68": "circuit breaker stage 2 triggered",
    "stocks:69": "circuit breaker stage 3 triggered, trading ends for the day",
    "stocks:70": "circuit breaker stage 2 lifted, orders accepted again",
    "stocks:71": "circuit breaker stage 2 call auction ended",
    "derivatives:61": "KOSPI circuit breaker stage 3: linked derivatives end for the day",
    "derivatives:62": "circuit breaker lifted, orders accepted again",
    "derivatives:63": "circuit breaker intraday call auction closed",
}
"""``<market group>:<LS jstatus>`` → label; codes not listed read "<category> <code>"."""
