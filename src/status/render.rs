//! Renderers of the launch board: `table` (terminal), `json`, `markdown`
//! (a pull-request comment, a job summary, a wiki page) and `html` (one
//! self-contained page: inline CSS and SVG, no scripts, no fonts or images
//! from the network; readable when printed). Each is byte-for-byte
//! deterministic for a given board.

use std::fmt::Write as _;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{Board, FeatureStatus};
use crate::diagnostic::Severity;
use crate::engine::gates::{Gate, GateState};
use crate::report::{escape_controls, markdown_text};

/// The board as a JSON document (DESIGN §5: `features[]` with `id`,
/// `stage`, `risk_score`, `blocked`, `gates[]` of `{rule, role, state}`,
/// `waivers[]` of `{rule, expires, days_left}`, `debt[]` of `{name, path,
/// title, owner, due, severity, overdue_days, resolved}`, `spike`,
/// `next_action`; `totals` by stage), plus the fields documented on
/// [`Board`] and [`FeatureStatus`].
pub fn json(board: &Board) -> String {
    let mut text = serde_json::to_string_pretty(board).unwrap_or_default();
    text.push('\n');
    text
}

/// Totals in the board's order (taxonomy, then stages outside it).
fn totals(board: &Board) -> Vec<(&str, usize)> {
    board
        .totals
        .0
        .iter()
        .map(|(stage, n)| (stage.as_str(), *n))
        .collect()
}

/// The risk column: the declared tier, then the computed score when risk
/// scoring is configured (`high 3.6`).
fn risk_words(feature: &FeatureStatus, none: &str) -> String {
    let tier = feature.risk_tier.as_deref().unwrap_or(none);
    match feature.risk_score {
        Some(score) => {
            let mut number = score.to_string();
            if !number.contains('.') {
                number.push_str(".0");
            }
            format!("{tier} {number}")
        }
        None => tier.to_string(),
    }
}

fn blocked_count(board: &Board) -> usize {
    board.features.iter().filter(|f| f.blocked).count()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn findings_short(feature: &FeatureStatus) -> String {
    let errors = feature
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = feature.findings.len() - errors;
    match (errors, warnings) {
        (0, 0) => "-".into(),
        (e, 0) => plural(e, "error", "errors"),
        (0, w) => plural(w, "warning", "warnings"),
        (e, w) => format!("{e}E {w}W"),
    }
}

/// `2/3 go`: the current stage's gates with a passing decision; `+1w`
/// when waivers hold others open.
fn gates_short(feature: &FeatureStatus) -> String {
    let current: Vec<&Gate> = feature
        .gates
        .iter()
        .filter(|g| g.stage == feature.stage)
        .collect();
    let passed = current.iter().filter(|g| g.state.passes()).count();
    let waived = current.iter().filter(|g| g.waived_by.is_some()).count();
    match (current.len(), waived) {
        (0, _) => "-".into(),
        (total, 0) => format!("{passed}/{total} go"),
        (total, w) => format!("{passed}/{total}+{w}w"),
    }
}

fn waivers_short(feature: &FeatureStatus) -> String {
    match feature.waivers.first() {
        None => "-".into(),
        Some(w) if w.problem.is_some() => format!("{} rejected", w.rule),
        Some(w) if w.days_left < 0 => format!("{} expired", w.rule),
        Some(w) => format!("{} {}d", w.rule, w.days_left),
    }
}

/// One waiver in words: until when, or why it does not count.
fn waiver_words(w: &super::WaiverStatus) -> String {
    match (&w.problem, w.days_left) {
        (Some(problem), _) => format!("{} not accepted: {problem}", w.rule),
        (None, days) if days < 0 => format!("{} expired {}", w.rule, w.expires),
        (None, days) => format!("{} until {} ({days} days)", w.rule, w.expires),
    }
}

/// One debt file in words: its severity and how late it is, or when it
/// was resolved.
fn debt_words(d: &super::DebtStatus) -> String {
    match (&d.resolved, d.overdue_days) {
        (Some(resolved), _) => format!("{} resolved {resolved}: {}", d.name, d.title),
        (None, 0) => format!(
            "{} {} due {} ({}): {}",
            d.name,
            d.severity.as_str(),
            d.due,
            d.owner,
            d.title
        ),
        (None, days) => format!(
            "{} {} {days} day{} overdue, due {} ({}): {}",
            d.name,
            d.severity.as_str(),
            if days == 1 { "" } else { "s" },
            d.due,
            d.owner,
            d.title
        ),
    }
}

/// Whether any feature on the board has debt: only then do the Markdown
/// and HTML boards have a debt column.
fn has_debt(board: &Board) -> bool {
    board.features.iter().any(|f| !f.debt.is_empty())
}

/// Cuts `text` to `width` terminal columns, ending in `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Text from a file on one terminal line: control characters escaped,
/// line breaks and tabs as spaces.
fn one_line(text: &str) -> String {
    escape_controls(text).replace(['\n', '\t'], " ")
}

fn pad(text: &str, width: usize) -> String {
    let fitted = fit(text, width);
    let fill = width.saturating_sub(fitted.width());
    format!("{fitted}{}", " ".repeat(fill))
}

/// The board for a terminal, at most `width` columns wide (at least 60).
/// With `color`, blocked features are red, cleared gates green and pending
/// ones yellow. Text from files is shown with control characters escaped.
pub fn table(board: &Board, color: bool, width: usize) -> String {
    let width = width.max(60);
    let paint = |code: &str, text: String| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text
        }
    };
    let mut out = String::new();
    let headline = format!(
        "Launch board, {}: {}, {} blocked",
        board.today,
        plural(board.features.len(), "feature", "features"),
        blocked_count(board)
    );
    let _ = writeln!(out, "{}", paint("1", headline));
    if board.features.is_empty() {
        out.push_str("No features yet: `policy init` scaffolds an example.\n");
    } else {
        let id_width = board
            .features
            .iter()
            .map(|f| one_line(&f.id).width())
            .max()
            .unwrap_or(0)
            .clamp(7, 24);
        let stage_width = board
            .features
            .iter()
            .map(|f| f.stage.width())
            .max()
            .unwrap_or(0)
            .clamp(5, 10);
        let risk_width = board
            .features
            .iter()
            .map(|f| one_line(&risk_words(f, "-")).width())
            .max()
            .unwrap_or(0)
            .clamp(8, 16);
        let header = format!(
            "{} {} {} {} {} {}",
            pad("FEATURE", id_width),
            pad("STAGE", stage_width),
            pad("RISK", risk_width),
            pad("GATES", 8),
            pad("FINDINGS", 10),
            "WAIVERS"
        );
        let _ = writeln!(out, "{}", paint("2", header));
        for feature in &board.features {
            let id = pad(&one_line(&feature.id), id_width);
            let id = if feature.blocked { paint("31", id) } else { id };
            let gates = pad(&gates_short(feature), 8);
            let gates = match feature.current_gates_passed() {
                (_, 0) => gates,
                (p, t) if p == t => paint("32", gates),
                _ => paint("33", gates),
            };
            let line = format!(
                "{id} {} {} {gates} {} {}",
                pad(&one_line(&feature.stage), stage_width),
                pad(&one_line(&risk_words(feature, "-")), risk_width),
                pad(&findings_short(feature), 10),
                fit(&one_line(&waivers_short(feature)), 20),
            );
            let _ = writeln!(out, "{}", line.trim_end());
            for debt in feature.debt.iter().filter(|d| d.resolved.is_none()) {
                let words = fit(&one_line(&format!("debt {}", debt_words(debt))), width - 4);
                let words = if debt.overdue_days > 0 {
                    paint("33", words)
                } else {
                    words
                };
                let _ = writeln!(out, "  {} {words}", paint("2", "!".to_string()));
            }
            // The next action gets a line of its own: it is the sentence
            // people act on, and it should not be cut to a column.
            let action = fit(&one_line(&feature.next_action), width - 4);
            let _ = writeln!(out, "  {} {action}", paint("2", "→".to_string()));
        }
    }
    let totals: Vec<String> = totals(board)
        .iter()
        .map(|(stage, n)| format!("{} {n}", one_line(stage)))
        .collect();
    // The totals wrap at the width, between stages.
    let mut line = String::from("Totals:");
    let mut first = true;
    for total in totals {
        if !first && line.width() + 3 + total.width() > width {
            let _ = writeln!(out, "{line} ·");
            line = String::from("       ");
            first = true;
        }
        if !first {
            line.push_str(" ·");
        }
        line.push(' ');
        line.push_str(&total);
        first = false;
    }
    let _ = writeln!(out, "{line}");
    out
}

fn state_mark(state: GateState) -> &'static str {
    match state {
        GateState::Go => "✅",
        GateState::Conditional => "☑️",
        GateState::Stale => "⚠️",
        GateState::Missing => "⬜",
        GateState::NoGo => "⛔",
        GateState::Unverified => "❓",
    }
}

fn gate_words(gate: &Gate) -> String {
    let waived = if gate.waived_by.is_some() {
        ", waived"
    } else {
        ""
    };
    match &gate.detail {
        Some(detail) => format!("{} ({}: {detail}{waived})", gate.role, gate.state.as_str()),
        None => format!("{} ({}{waived})", gate.role, gate.state.as_str()),
    }
}

/// The board as GitHub-flavoured Markdown: a table of features and a
/// totals line. Every value from a file is escaped (no links, images, HTML
/// or table breaks can come from a manifest).
pub fn markdown(board: &Board) -> String {
    let cell = |text: &str| markdown_text(text).replace(['\n', '\r'], " ");
    let mut out = String::new();
    let _ = writeln!(out, "## Launch board, {}\n", board.today);
    let _ = writeln!(
        out,
        "{}, {} blocked.\n",
        plural(board.features.len(), "feature", "features"),
        blocked_count(board)
    );
    let with_debt = has_debt(board);
    if !board.features.is_empty() {
        if with_debt {
            out.push_str(
                "| Feature | Stage | Risk | Gates | Findings | Waivers | Debt | Next action |\n",
            );
            out.push_str("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        } else {
            out.push_str("| Feature | Stage | Risk | Gates | Findings | Waivers | Next action |\n");
            out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
        }
        for feature in &board.features {
            let gates: Vec<String> = feature
                .gates
                .iter()
                .map(|g| {
                    let stage = if g.stage == feature.stage {
                        String::new()
                    } else {
                        format!(" for {}", cell(&g.stage))
                    };
                    format!(
                        "{} {}{stage}",
                        state_mark(g.state),
                        cell(&format!("{} {}", g.rule, gate_words(g)))
                    )
                })
                .collect();
            let findings: Vec<String> = feature
                .findings
                .iter()
                .map(|f| cell(&format!("{} {}", f.code, f.message)))
                .collect();
            let waivers: Vec<String> = feature
                .waivers
                .iter()
                .map(|w| cell(&waiver_words(w)))
                .collect();
            let id = if feature.blocked {
                format!("⛔ **{}**", cell(&feature.id))
            } else {
                cell(&feature.id)
            };
            let or_dash = |items: Vec<String>| {
                if items.is_empty() {
                    "-".to_string()
                } else {
                    items.join("<br>")
                }
            };
            let debt = if with_debt {
                let items: Vec<String> =
                    feature.debt.iter().map(|d| cell(&debt_words(d))).collect();
                format!(" {} |", or_dash(items))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "| {id} | {} | {} | {} | {} | {} |{debt} {} |",
                cell(&feature.stage),
                cell(&risk_words(feature, "-")),
                or_dash(gates),
                or_dash(findings),
                or_dash(waivers),
                cell(&feature.next_action)
            );
        }
        out.push('\n');
    }
    let totals: Vec<String> = totals(board)
        .iter()
        .map(|(stage, n)| format!("{} {n}", cell(stage)))
        .collect();
    let _ = writeln!(out, "**Totals:** {}", totals.join(" · "));
    out
}

/// Text for HTML: `&`, `<`, `>`, `"` and `'` escaped, control characters
/// shown as escapes.
fn html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in escape_controls(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "\
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;margin:2rem auto;max-width:72rem;padding:0 1rem}
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}
.meta{color:#59636e;margin:0 0 1.5rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.45rem .6rem;border-bottom:1px solid #d1d9e0}
th{background:#f6f8fa;font-weight:600}
tr.blocked td:first-child{border-left:4px solid #cf222e}
.id{font-weight:600;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
.badge{display:inline-block;border-radius:1em;padding:0 .55em;margin:.1em .2em .1em 0;font-size:.85em;border:1px solid}
.go,.conditional{background:#dafbe1;border-color:#4ac26b;color:#116329}
.stale,.missing{background:#fff8c5;border-color:#d4a72c;color:#7d4e00}
.no-go,.unverified,.blocked-badge{background:#ffebe9;border-color:#ff8182;color:#a40e26}
.muted{color:#59636e}
ul{margin:0;padding-left:1.1em}
svg text{font:12px system-ui,sans-serif;fill:#1f2328}
@media print{body{margin:0;max-width:none;font-size:11px}tr{break-inside:avoid}.badge{border-width:1px}}
";

/// The bar chart: per stage, features whose current gates are all cleared,
/// pending, and blocked.
fn chart(board: &Board) -> String {
    let rows = totals(board);
    let bar_left = 120.0;
    let bar_width = 480.0;
    let row_height = 26.0;
    let top = 30.0;
    let height = top + row_height * rows.len() as f64 + 10.0;
    let most = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"720\" height=\"{height}\" viewBox=\"0 0 720 {height}\" aria-labelledby=\"chart-title\">\
<title id=\"chart-title\">Gates cleared per stage</title>\
<rect x=\"{bar_left}\" y=\"6\" width=\"12\" height=\"12\" fill=\"#4ac26b\"/><text x=\"{}\" y=\"16\">gates cleared</text>\
<rect x=\"{}\" y=\"6\" width=\"12\" height=\"12\" fill=\"#d4a72c\"/><text x=\"{}\" y=\"16\">pending</text>\
<rect x=\"{}\" y=\"6\" width=\"12\" height=\"12\" fill=\"#cf222e\"/><text x=\"{}\" y=\"16\">blocked</text>",
        bar_left + 16.0,
        bar_left + 120.0,
        bar_left + 136.0,
        bar_left + 210.0,
        bar_left + 226.0,
    );
    for (i, (stage, count)) in rows.iter().enumerate() {
        let y = top + row_height * i as f64;
        let in_stage: Vec<&FeatureStatus> = board
            .features
            .iter()
            .filter(|f| f.stage == *stage)
            .collect();
        let blocked = in_stage.iter().filter(|f| f.blocked).count();
        let cleared = in_stage
            .iter()
            .filter(|f| !f.blocked && f.cleared())
            .count();
        let pending = count - blocked - cleared;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            bar_left - 8.0,
            y + 15.0,
            html_text(stage)
        );
        let mut x = bar_left;
        for (n, fill, what) in [
            (cleared, "#4ac26b", "gates cleared"),
            (pending, "#d4a72c", "pending"),
            (blocked, "#cf222e", "blocked"),
        ] {
            if n == 0 {
                continue;
            }
            let w = bar_width * n as f64 / most;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"20\" fill=\"{fill}\"><title>{}: {n} {what}</title></rect>",
                html_text(stage)
            );
            x += w;
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\">{count}</text>",
            x + 6.0,
            y + 15.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The board as one self-contained HTML page.
pub fn html(board: &Board) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>Launch board, {today}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n\
<h1>Launch board</h1>\n<p class=\"meta\">{today} · {features}, {blocked} blocked</p>\n\
<h2>Gates cleared per stage</h2>\n{chart}\n<h2>Features</h2>\n",
        today = html_text(&board.today),
        features = plural(board.features.len(), "feature", "features"),
        blocked = blocked_count(board),
        chart = chart(board),
    );
    if board.features.is_empty() {
        out.push_str("<p>No features yet.</p>\n");
    } else {
        let with_debt = has_debt(board);
        out.push_str(if with_debt {
            "<table>\n<thead><tr><th>Feature</th><th>Stage</th><th>Risk</th><th>Gates</th><th>Findings</th><th>Waivers</th><th>Debt</th><th>Next action</th></tr></thead>\n<tbody>\n"
        } else {
            "<table>\n<thead><tr><th>Feature</th><th>Stage</th><th>Risk</th><th>Gates</th><th>Findings</th><th>Waivers</th><th>Next action</th></tr></thead>\n<tbody>\n"
        });
        for feature in &board.features {
            let gates: String = feature
                .gates
                .iter()
                .map(|g| {
                    let stage = if g.stage == feature.stage {
                        String::new()
                    } else {
                        format!(" → {}", html_text(&g.stage))
                    };
                    format!(
                        "<span class=\"badge {}\" title=\"{}\">{} {}: {}{stage}</span>",
                        g.state.as_str(),
                        html_text(&gate_words(g)),
                        html_text(&g.rule),
                        html_text(&g.role),
                        g.state.as_str()
                    )
                })
                .collect();
            let list = |items: Vec<String>| {
                if items.is_empty() {
                    "<span class=\"muted\">–</span>".to_string()
                } else {
                    format!("<ul><li>{}</li></ul>", items.join("</li><li>"))
                }
            };
            let findings = list(
                feature
                    .findings
                    .iter()
                    .map(|f| format!("<b>{}</b> {}", html_text(&f.code), html_text(&f.message)))
                    .collect(),
            );
            let waivers = list(
                feature
                    .waivers
                    .iter()
                    .map(|w| html_text(&waiver_words(w)))
                    .collect(),
            );
            let debt = if with_debt {
                let items = list(
                    feature
                        .debt
                        .iter()
                        .map(|d| html_text(&debt_words(d)))
                        .collect(),
                );
                format!("<td>{items}</td>")
            } else {
                String::new()
            };
            let blocked = if feature.blocked {
                " <span class=\"badge blocked-badge\">blocked</span>"
            } else {
                ""
            };
            let title = feature
                .title
                .as_deref()
                .map(|t| format!("<br><span class=\"muted\">{}</span>", html_text(t)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr{}><td><span class=\"id\">{}</span>{blocked}{title}</td><td>{}</td><td>{}</td><td>{}</td><td>{findings}</td><td>{waivers}</td>{debt}<td>{}</td></tr>",
                if feature.blocked {
                    " class=\"blocked\""
                } else {
                    ""
                },
                html_text(&feature.id),
                html_text(&feature.stage),
                html_text(&risk_words(feature, "–")),
                if gates.is_empty() {
                    "<span class=\"muted\">–</span>".to_string()
                } else {
                    gates
                },
                html_text(&feature.next_action),
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    let totals: Vec<String> = totals(board)
        .iter()
        .map(|(stage, n)| format!("{} {n}", html_text(stage)))
        .collect();
    let _ = write!(
        out,
        "<p class=\"meta\">Totals: {}</p>\n</body>\n</html>\n",
        totals.join(" · ")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_by_terminal_width() {
        assert_eq!(fit("abcdef", 6), "abcdef");
        assert_eq!(fit("abcdefg", 6), "abcde…");
        assert_eq!(fit("日本語テキスト", 6), "日本…");
    }

    #[test]
    fn html_text_escapes_markup() {
        assert_eq!(
            html_text("<script>\"a\" & 'b'\u{1b}"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;\\u{1b}"
        );
    }
}
