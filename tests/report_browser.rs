//! `grassroots report DIR` and the page it writes, `report.html`: checked as
//! text (self-contained, every chart inlined, the manifest updated and
//! nothing else changed) and in a real browser: headless Chromium loads the
//! page from disk, its screenshot must not be blank and its DOM must hold
//! every chart, with its title, as an `<svg>` element.
//!
//! Without a Chromium (`chromium`, `chromium-browser`, `google-chrome`) the
//! browser test says why it skipped and passes, unless
//! `GRASSROOTS_REQUIRE_BROWSER=1` (set by `.ci/run` once it has installed
//! Chromium), which makes a missing browser a failure.

mod common;

use common::{data, ok, run, temp};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A finished run of the small scenario in `dir/name`, and its report.
fn run_with_report(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(name);
    ok(&[
        "run",
        &data("small.toml"),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let printed = ok(&["report", out.to_str().unwrap()]);
    assert_eq!(
        printed,
        format!("wrote {}\n", out.join("report.html").display())
    );
    out
}

/// A finished comparison of the small comparison scenario, and its report.
fn compare_with_report(dir: &Path) -> PathBuf {
    let out = dir.join("cmp");
    ok(&[
        "compare",
        &data("compare_small.toml"),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    ok(&["report", out.to_str().unwrap()]);
    out
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// The SVG charts the manifest lists, in its order.
fn listed_svgs(dir: &Path) -> Vec<String> {
    manifest(dir)["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .filter(|f| f.starts_with("charts/") && f.ends_with(".svg"))
        .map(str::to_string)
        .collect()
}

/// A chart's title as the page shows it (its first `<text>`).
fn chart_title(dir: &Path, svg: &str) -> String {
    let text = std::fs::read_to_string(dir.join(svg)).unwrap();
    grassroots::output::html::svg_title(&text).unwrap_or_else(|| panic!("{svg} has no title"))
}

/// The title as HTML text (the page escapes it).
fn escaped(s: &str) -> String {
    grassroots::output::html::escape(s)
}

/// Text as a browser serialises it in its DOM (only `&`, `<`, `>` escaped).
fn dom_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Every `http://` or `https://` in the page that is not in text: inside a
/// tag (an attribute: a link, a source, a namespace) or inside `<style>`.
fn references(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_tag = false;
    let mut in_style = false;
    for (i, c) in page.char_indices() {
        match c {
            '<' => {
                in_tag = true;
                let rest = &page[i..];
                if rest.starts_with("<style") {
                    in_style = true;
                } else if rest.starts_with("</style") {
                    in_style = false;
                }
            }
            '>' => in_tag = false,
            _ => {}
        }
        let rest = &page[i..];
        if (in_tag || in_style) && (rest.starts_with("http://") || rest.starts_with("https://")) {
            found.push(rest.chars().take(60).collect());
        }
    }
    found
}

#[test]
fn the_page_is_self_contained_and_inlines_every_chart() {
    let (_t, dir) = temp();
    let out = dir.join("run");
    ok(&[
        "run",
        &data("small.toml"),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let before = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    ok(&["report", out.to_str().unwrap()]);
    let after = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    // The manifest lists the page once; nothing else in it changed.
    let listed: Vec<String> = manifest(&out)["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        listed.iter().filter(|f| *f == "report.html").count(),
        1,
        "{listed:?}"
    );
    let line = "    \"report.html\",\n";
    assert_eq!(after.replace(line, ""), before.replace(line, ""));

    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        references(&page),
        Vec::<String>::new(),
        "external references"
    );
    for tag in ["<script", "<link", "<img", "<iframe", "@import"] {
        assert!(!page.contains(tag), "the page holds {tag}");
    }
    // url(…) only for references within the page.
    assert_eq!(page.matches("url(").count(), page.matches("url(#").count());
    let svgs = listed_svgs(&out);
    assert!(svgs.len() >= 4, "{svgs:?}");
    assert_eq!(page.matches("<svg").count(), svgs.len());
    let mut at = 0;
    for svg in &svgs {
        // In manifest order, each in its figure with its title.
        let figure = format!("data-chart=\"{svg}\"");
        let found = page[at..]
            .find(&figure)
            .unwrap_or_else(|| panic!("{svg} is not inlined (or out of order)"));
        at += found;
        let end = at + page[at..].find("</figure>").unwrap();
        let inlined = &page[at..end];
        assert!(inlined.contains("<svg"), "{svg}");
        assert!(inlined.contains("viewBox="), "{svg} does not scale");
        assert!(
            inlined.contains(&escaped(&chart_title(&out, svg))),
            "{svg}: title missing"
        );
    }
    // What the page says: the model version, the run's metrics with units,
    // the reading guide, every parameter.
    let model = grassroots::model_identity();
    assert!(page.contains(&format!("<code>{model}</code>")));
    assert!(page.contains("How to read this report"));
    let unit = grassroots::metrics::metric("share_met").unwrap().unit;
    assert!(page.contains("<code>share_met</code>") && page.contains(unit));
    assert!(page.contains("mean of the last 12 months"));
    assert!(page.contains("<code>campaign_inspection_rate</code>"));
    // The same directory gives the same page.
    ok(&["report", out.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(out.join("report.html")).unwrap(),
        page
    );
    // A later run into the directory may replace it: the page is listed.
    ok(&[
        "run",
        &data("small.toml"),
        "--out",
        out.to_str().unwrap(),
        "--seed",
        "8",
        "--force",
        "-q",
    ]);
}

#[test]
fn a_comparison_page_shows_differences_from_the_baseline() {
    let (_t, dir) = temp();
    let out = compare_with_report(&dir);
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let table = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(table.as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut checked = 0;
    for row in rows.records() {
        let row = row.unwrap();
        if &row[col("measure")] != "window" || &row[col("variant")] != "mass_evaluation" {
            continue;
        }
        // The paired CI of the difference, with four significant digits.
        let sig4 = |s: &str| grassroots::output::report::sig4(s.parse().unwrap());
        let shown = format!(
            "{} <span class=\"ci\">[{}, {}]</span>",
            sig4(&row[col("diff")]),
            sig4(&row[col("paired_ci_low")]),
            sig4(&row[col("paired_ci_high")])
        );
        assert!(page.contains(&shown), "{shown}");
        let percent: f64 = row[col("diff_percent")].parse().unwrap();
        let relative = grassroots::output::report::percent(Some(percent / 100.0));
        assert!(page.contains(&relative), "{relative}");
        checked += 1;
    }
    assert_eq!(checked, 3, "one row per outcome");
    for words in [
        "relative difference",
        "paired 95 % CI",
        "<code>incentive.mass_evaluation_weight = 0.8</code>",
        "Welch",
    ] {
        assert!(page.contains(words), "{words}");
    }
    assert_eq!(page.matches("<svg").count(), listed_svgs(&out).len());
    assert!(references(&page).is_empty());
}

#[test]
fn report_refuses_what_is_not_a_finished_output() {
    let (_t, dir) = temp();
    let missing = dir.join("nothing");
    let o = run(&["report", missing.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&missing.display().to_string()) && err.contains("does not exist"),
        "{err}"
    );
    assert!(err.contains("finished `grassroots run`"), "{err}");
    assert!(!missing.exists(), "nothing created");

    let foreign = dir.join("web");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("manifest.json"), r#"{"name": "app"}"#).unwrap();
    let o = run(&["report", foreign.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("not a manifest grassroots wrote"), "{err}");
    assert!(!foreign.join("report.html").exists());

    let empty = dir.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = run(&["report", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("has no manifest.json"));

    // A report.html grassroots did not write is never replaced.
    let out = dir.join("run");
    ok(&[
        "run",
        &data("small.toml"),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let mut m = manifest(&out);
    let files = m["files"].as_array_mut().unwrap();
    files.retain(|f| f != "report.html");
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_string_pretty(&m).unwrap() + "\n",
    )
    .unwrap();
    std::fs::write(out.join("report.html"), "mine").unwrap();
    let o = run(&["report", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("grassroots did not write it"), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("report.html")).unwrap(),
        "mine"
    );
}

/// The first Chromium on the PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// Run `command` to its end, killed after `limit`; its stdout, or why it failed.
fn run_for(mut command: Command, limit: Duration) -> Result<Vec<u8>, String> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut v).map(|_| v)
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut v).map(|_| v)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("did not finish within {} s", limit.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = out.join().unwrap().map_err(|e| e.to_string())?;
    let err = err.join().unwrap().unwrap_or_default();
    if !status.success() {
        return Err(format!("exit {status}: {}", String::from_utf8_lossy(&err)));
    }
    Ok(out)
}

/// A headless Chromium command for `page`, with its own profile in `profile`.
fn browser(chrome: &Path, profile: &Path, page: &Path, extra: &[String]) -> Command {
    let mut c = Command::new(chrome);
    c.args([
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-extensions",
        "--window-size=1280,2000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(file_url(page));
    c
}

/// The `file://` URL of an absolute path.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.display().to_string().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                url.push(b as char)
            }
            b => url.push_str(&format!("%{b:02X}")),
        }
    }
    url
}

/// The decoded screenshot: width, height, and how many distinct colours
/// and non-white pixels it has.
fn screenshot_stats(path: &Path) -> (u32, u32, usize, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "8-bit screenshot");
    let mut colours = std::collections::HashSet::new();
    let mut inked = 0;
    for px in buf[..info.buffer_size()].chunks(channels) {
        colours.insert(px[..channels.min(3)].to_vec());
        if px[..channels.min(3)].iter().any(|&v| v < 235) {
            inked += 1;
        }
    }
    (info.width, info.height, colours.len(), inked)
}

#[test]
fn chromium_renders_the_page_and_every_chart() {
    let required = std::env::var("GRASSROOTS_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let Some(chrome) = chromium() else {
        assert!(
            !required,
            "GRASSROOTS_REQUIRE_BROWSER=1 but no chromium, chromium-browser or google-chrome is on the PATH"
        );
        eprintln!(
            "browser test skipped: no chromium, chromium-browser or google-chrome on the PATH (install Debian's `chromium`; .ci/run does)"
        );
        return;
    };
    let (_t, dir) = temp();
    for out in [run_with_report(&dir, "run"), compare_with_report(&dir)] {
        let page = out.join("report.html");
        let profile = dir.join(format!(
            "profile-{}",
            out.file_name().unwrap().to_string_lossy()
        ));
        let shot = dir.join(format!(
            "{}.png",
            out.file_name().unwrap().to_string_lossy()
        ));
        let limit = Duration::from_secs(180);
        run_for(
            browser(
                &chrome,
                &profile,
                &page,
                &[format!("--screenshot={}", shot.display())],
            ),
            limit,
        )
        .unwrap_or_else(|e| {
            panic!(
                "{}: screenshot of {}: {e}",
                chrome.display(),
                page.display()
            )
        });
        let (w, h, colours, inked) = screenshot_stats(&shot);
        assert_eq!((w, h), (1280, 2000), "screenshot size");
        let share = inked as f64 / (w as f64 * h as f64);
        eprintln!(
            "{}: screenshot {w}×{h}, {colours} colours, {:.1} % inked",
            page.display(),
            100.0 * share
        );
        assert!(
            colours > 50 && share > 0.02,
            "{}: the screenshot looks blank ({colours} colours, {:.1} % inked)",
            page.display(),
            100.0 * share
        );

        let dom = run_for(
            browser(&chrome, &profile, &page, &["--dump-dom".to_string()]),
            limit,
        )
        .unwrap_or_else(|e| {
            panic!(
                "{}: --dump-dom of {}: {e}",
                chrome.display(),
                page.display()
            )
        });
        let dom = String::from_utf8_lossy(&dom);
        let svgs = listed_svgs(&out);
        assert!(!svgs.is_empty());
        assert_eq!(
            dom.matches("<svg").count(),
            svgs.len(),
            "{}: one <svg> element per chart the manifest lists",
            page.display()
        );
        for svg in &svgs {
            // The browser parsed the chart as SVG: its figure holds an <svg>
            // whose <text> is the chart's title.
            let figure = format!("data-chart=\"{svg}\"");
            let at = dom
                .find(&figure)
                .unwrap_or_else(|| panic!("{svg}: no figure in the DOM"));
            let end = at + dom[at..].find("</figure>").unwrap();
            let element = &dom[at..end];
            assert!(element.contains("<svg"), "{svg}: no <svg> in the DOM");
            let title = dom_text(&chart_title(&out, svg));
            let texts: Vec<&str> = element.split("<text").skip(1).collect();
            assert!(
                texts.iter().any(|t| t.contains(&title)),
                "{svg}: no <text> with its title {title:?} in the DOM"
            );
        }
    }
}
