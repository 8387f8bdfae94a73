//! Charts of a run and a comparison, from the binary: every kind exists in
//! both formats, PNGs have the size asked for and are not blank, SVGs hold
//! their words as text, and `plot` redraws them byte for byte from the
//! files alone.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_grassroots"))
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    let o = bin().args(args).output().expect("binary runs");
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Width, height and the number of distinct colours of a PNG.
fn png_facts(path: &Path) -> (u32, u32, usize) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let bytes = &buf[..info.buffer_size()];
    let step = info.color_type.samples();
    let mut colours: Vec<&[u8]> = bytes.chunks(step).collect();
    colours.sort_unstable();
    colours.dedup();
    (info.width, info.height, colours.len())
}

/// The text content of an SVG's `<text>` elements.
fn svg_texts(path: &Path) -> String {
    let svg = std::fs::read_to_string(path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", path.display());
    let mut out = String::new();
    for piece in svg.split("<text").skip(1) {
        let body = piece.split_once('>').map_or("", |(_, b)| b);
        let text = body.split("</text>").next().unwrap_or("");
        out.push_str(text.trim());
        out.push('\n');
    }
    out
}

fn chart_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_run_draws_print_sized_time_series_and_a_dashboard_that_plot_redraws() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = out.to_str().unwrap();
    run(&[
        "run",
        data("reform_small.toml").to_str().unwrap(),
        "--out",
        o,
        "-q",
    ]);
    let charts = out.join("charts");
    for stem in [
        "reform_small_realised_service",
        "reform_small_share_met",
        "reform_small_satisfaction_mean",
        "reform_small_formalism_index",
        "reform_small_dashboard",
        "reform_small_distribution_satisfaction",
        "reform_small_distribution_trust",
        "reform_small_distribution_motivation",
    ] {
        let (w, h, colours) = png_facts(&charts.join(format!("{stem}.png")));
        assert_eq!(w, 1890, "{stem}: 16 cm at 300 dpi");
        // Its pHYs chunk says 300 dpi (11 811 pixels per metre), so word
        // processors place it 16 cm wide.
        let png = std::fs::read(charts.join(format!("{stem}.png"))).unwrap();
        assert_eq!(&png[37..41], b"pHYs", "{stem}");
        assert_eq!(&png[41..45], &11811u32.to_be_bytes(), "{stem}");
        assert!(h > 600 && h < 3000, "{stem}: height {h}");
        assert!(colours > 20, "{stem}: not blank ({colours} colours)");
        let svg = charts.join(format!("{stem}.svg"));
        let texts = svg_texts(&svg);
        assert!(texts.contains("reform_small"), "{stem}: title as text");
        assert!(texts.contains("month"), "{stem}: x axis as text");
    }
    let texts = svg_texts(&charts.join("reform_small_realised_service.svg"));
    assert!(texts.contains("realised service (needs/household/month)"));
    assert!(texts.contains("changes at month 12"), "marker label");
    let lines: Vec<&str> = texts.lines().collect();
    assert!(
        lines.contains(&"0") && lines.contains(&"12") && !lines.contains(&"24"),
        "months 0 to 23 as in the CSV files: {texts}"
    );

    // `plot` redraws the same charts byte for byte from the files alone.
    let before = chart_bytes(&out);
    std::fs::remove_dir_all(&charts).unwrap();
    run(&["plot", o, "-q"]);
    assert_eq!(chart_bytes(&out), before);

    // Another size and resolution, one metric (blanks around a name, as
    // after a comma in prose, are not part of it), one format.
    run(&[
        "plot",
        o,
        "--width-cm",
        "8",
        "--dpi",
        "100",
        "--format",
        "png",
        "--metrics",
        " share_met",
        "-q",
    ]);
    let (w, _, _) = png_facts(&charts.join("reform_small_share_met_selected.png"));
    assert_eq!(w, 315, "8 cm at 100 dpi");
    let (w, _, _) = png_facts(&charts.join("reform_small_share_met.png"));
    assert_eq!(
        w, 1890,
        "a selection is drawn beside the full chart, not over it"
    );

    // report.html inlines the charts, so `plot` draws it again with them.
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let svg = std::fs::read_to_string(charts.join("reform_small_dashboard.svg")).unwrap();
    let before_page = page.clone();
    run(&["plot", o, "--width-cm", "12", "--format", "svg", "-q"]);
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_ne!(page, before_page, "report.html follows the redrawn charts");
    assert_ne!(
        std::fs::read_to_string(charts.join("reform_small_dashboard.svg")).unwrap(),
        svg
    );
}

#[test]
fn a_comparison_draws_a_forest_plot_small_multiples_and_a_dashboard() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    let o = out.to_str().unwrap();
    run(&[
        "compare",
        data("reform_small.toml").to_str().unwrap(),
        "--out",
        o,
        "-q",
    ]);
    let charts = out.join("charts");
    let forest = svg_texts(&charts.join("reform_small_forest.svg"));
    for word in [
        "difference from the baseline",
        "realised service",
        "formalism index",
        "training",
        " %",
        "paired (common random numbers) 95 % CI",
    ] {
        assert!(forest.contains(word), "forest lacks {word:?}: {forest}");
    }
    // Seven variants: small multiples, one panel per variant but the baseline.
    let series = svg_texts(&charts.join("reform_small_realised_service.svg"));
    for v in ["training", "models", "spirit", "funds", "elect", "help"] {
        assert!(series.contains(&format!("{v}\n")), "panel {v}: {series}");
    }
    assert!(series.contains("grey: baseline"));
    let dash = svg_texts(&charts.join("reform_small_dashboard.svg"));
    assert!(dash.contains("6 variants against baseline"), "{dash}");
    let violins = svg_texts(&charts.join("reform_small_distribution_motivation.svg"));
    assert!(
        violins.contains("across villages") && violins.contains("training"),
        "{violins}"
    );
    for stem in [
        "forest",
        "dashboard",
        "realised_service",
        "formalism_index",
        "distribution_satisfaction",
    ] {
        let (w, _, colours) = png_facts(&charts.join(format!("reform_small_{stem}.png")));
        assert_eq!(w, 1890);
        assert!(colours > 20, "{stem} not blank");
    }
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("charts/reform_small_forest.png"));

    let before = chart_bytes(&out);
    run(&["plot", o, "-q"]);
    assert_eq!(chart_bytes(&out), before, "plot redraws the same charts");

    // Some variants only: the baseline stays as the reference.
    run(&["plot", o, "--variants", "training", "--format", "svg", "-q"]);
    let series = svg_texts(&charts.join("reform_small_realised_service_selected.svg"));
    assert!(series.contains("training") && series.contains("baseline"));
    assert!(!series.contains("spirit"), "{series}");
    let full = svg_texts(&charts.join("reform_small_realised_service.svg"));
    assert!(full.contains("spirit"), "the full chart stays whole");
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        !page.contains("_selected"),
        "report.html shows the full charts only"
    );
}

/// The fill colours of an SVG's `<text>` elements reading `text`.
fn text_fills(path: &Path, text: &str) -> Vec<String> {
    let svg = std::fs::read_to_string(path).unwrap();
    svg.split("<text")
        .skip(1)
        .filter_map(|piece| {
            let (attributes, body) = piece.split_once('>')?;
            let body = body.split("</text>").next()?;
            (body.trim() == text).then(|| attribute(attributes, "fill"))
        })
        .collect()
}

/// The value of `name="…"` among `attributes` ("" without one).
fn attribute(attributes: &str, name: &str) -> String {
    attributes
        .split_once(&format!(" {name}=\""))
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or(String::new(), |(value, _)| value.to_string())
}

/// The stroke colours of an SVG's elements of kind `element` (`circle`,
/// `polyline`, `polygon`).
fn strokes(path: &Path, element: &str) -> std::collections::BTreeSet<String> {
    let svg = std::fs::read_to_string(path).unwrap();
    svg.split(&format!("<{element}"))
        .skip(1)
        .filter_map(|piece| piece.split_once('>'))
        .map(|(attributes, _)| attribute(attributes, "stroke"))
        .filter(|s| s.starts_with('#'))
        .collect()
}

#[test]
fn a_variant_keeps_its_colour_in_every_chart_of_a_study() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    let o = out.to_str().unwrap();
    run(&[
        "compare",
        data("reform_small.toml").to_str().unwrap(),
        "--out",
        o,
        "-q",
    ]);
    // Okabe–Ito by the variant's place in the study, the baseline black.
    let colours = [
        ("training", "#0072B2"),
        ("models", "#D55E00"),
        ("spirit", "#009E73"),
        ("funds", "#CC79A7"),
        ("elect", "#E69F00"),
        ("help", "#56B4E9"),
    ];
    let all: std::collections::BTreeSet<String> =
        colours.iter().map(|(_, c)| c.to_string()).collect();
    let charts = out.join("charts");
    let chart = |stem: &str| charts.join(format!("reform_small_{stem}.svg"));
    // The dashboard names the lines of the variants that differ most, each
    // in its own colour (before, in the order of their difference).
    let mut named = 0;
    for (v, c) in colours {
        for fill in text_fills(&chart("dashboard"), v) {
            if fill != "#000000" {
                assert_eq!(fill, c, "{v} on the dashboard");
                named += 1;
            }
        }
    }
    assert_eq!(named, 4, "four variants beside the baseline");
    // Forest points (before, all blue), small multiples and violins.
    assert_eq!(strokes(&chart("forest"), "circle"), all);
    let lines = strokes(&chart("realised_service"), "polyline");
    assert!(lines.is_superset(&all), "{lines:?}");
    let violins = strokes(&chart("distribution_satisfaction"), "polyline");
    assert!(violins.is_superset(&all), "{violins:?}");

    // A selection keeps the colours (before, the first chosen took blue).
    run(&[
        "plot",
        o,
        "--variants",
        "spirit,help",
        "--format",
        "svg",
        "-q",
    ]);
    let selected = |stem: &str| chart(&format!("{stem}_selected"));
    // (The dashboard's forest panels name them in black too.)
    let coloured = |stem: &str, v: &str| -> Vec<String> {
        let fills = text_fills(&selected(stem), v);
        fills.into_iter().filter(|f| f != "#000000").collect()
    };
    for stem in ["realised_service", "dashboard"] {
        assert_eq!(coloured(stem, "spirit"), ["#009E73"], "{stem}");
        assert_eq!(coloured(stem, "help"), ["#56B4E9"], "{stem}");
    }
    let pair: std::collections::BTreeSet<String> = ["#009E73", "#56B4E9"].map(String::from).into();
    assert_eq!(strokes(&selected("forest"), "circle"), pair);
    let violins = strokes(&selected("distribution_satisfaction"), "polyline");
    assert!(violins.is_superset(&pair), "{violins:?}");
    assert!(!violins.contains("#0072B2") && !violins.contains("#D55E00"));
}

#[test]
fn plot_refuses_what_it_cannot_draw_and_says_what_is_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let o = bin()
        .args(["plot", tmp.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("not a finished grassroots output directory"),
        "{err}"
    );
    assert!(
        std::fs::read_dir(tmp.path()).unwrap().next().is_none(),
        "nothing written into a directory that is not grassroots output"
    );

    let out = tmp.path().join("run");
    run(&[
        "run",
        data("small.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    for (args, says) in [
        (
            vec!["--metrics", "speed"],
            "no metric `speed` in these results; valid:",
        ),
        (vec!["--dpi", "5"], "5 dpi is outside 50–1200 dpi"),
        (
            vec!["--format", "gif"],
            "`gif` is not a chart format; valid: png, svg",
        ),
        (vec!["--metrics", ""], "--metrics has an empty name"),
        (
            vec!["--metrics", "share_met,"],
            "--metrics has an empty name",
        ),
    ] {
        let o = bin().arg("plot").arg(&out).args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // A comparison's selection must name a variant besides the baseline.
    let cmp = tmp.path().join("cmp");
    run(&[
        "compare",
        data("compare_small.toml").to_str().unwrap(),
        "--out",
        cmp.to_str().unwrap(),
        "-q",
    ]);
    let o = bin()
        .args(["plot", cmp.to_str().unwrap(), "--variants", "baseline"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("names only the baseline"), "{err}");
    // A format given twice is drawn once.
    let count = |format: &str| {
        let o = bin()
            .args(["plot", out.to_str().unwrap(), "--format", format])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    assert_eq!(count("png,png"), count("png"));
}

/// An SVG's words on one line (a note wraps over several `<text>`s).
fn svg_words(path: &Path) -> String {
    svg_texts(path)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn one_replicate_charts_and_page_promise_no_interval() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp1");
    let o = out.to_str().unwrap();
    run(&[
        "compare",
        data("reform_small.toml").to_str().unwrap(),
        "--replicates",
        "1",
        "--out",
        o,
        "-q",
    ]);
    let charts = out.join("charts");
    let forest = svg_words(&charts.join("reform_small_forest.svg"));
    assert!(forest.contains("not tested: no bars"), "{forest}");
    for wrong in ["Welch", "95 % CI; filled", "bars: "] {
        assert!(!forest.contains(wrong), "forest says {wrong:?}: {forest}");
    }
    // Untested points are hollow diamonds (paths), not the circles of a
    // tested difference.
    let svg = std::fs::read_to_string(charts.join("reform_small_forest.svg")).unwrap();
    assert!(
        !svg.contains("<circle"),
        "an untested point drawn as tested"
    );
    let series = svg_words(&charts.join("reform_small_realised_service.svg"));
    assert!(series.contains("no bands (a 95 % CI needs 2 replicates or more)"));
    assert!(!series.contains("bands: 95 % CI"), "{series}");
    // The dashboard says which variants its time series shows.
    let dash = svg_words(&charts.join("reform_small_dashboard.svg"));
    assert!(
        dash.contains(
            "baseline and the 4 of 6 variants that differ most from it in realised service"
        ),
        "{dash}"
    );
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        page.contains("No difference could be tested"),
        "report.html"
    );
    for wrong in [
        "brackets and shaded bands in the charts are 95 %",
        "mean [95 % CI]",
        "over the last 6 months [95 % CI]",
    ] {
        assert!(!page.contains(wrong), "report.html says {wrong:?}");
    }
    // report.md likewise: no legend of intervals and tests it does not have.
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("from one replicate: no 95 % CI and no p-value"),
        "{md}"
    );
    for wrong in ["[95 % CI across replicates]", "mean [95 % CI]"] {
        assert!(!md.contains(wrong), "report.md says {wrong:?}");
    }

    let run_dir = tmp.path().join("run1");
    let r = run_dir.to_str().unwrap();
    run(&[
        "run",
        data("reform_small.toml").to_str().unwrap(),
        "--replicates",
        "1",
        "--out",
        r,
        "-q",
    ]);
    let series = svg_words(&run_dir.join("charts/reform_small_realised_service.svg"));
    assert!(series.contains("no band (a 95 % CI needs 2 replicates or more)"));
    assert!(!series.contains("band: 95 % CI"), "{series}");
    let page = std::fs::read_to_string(run_dir.join("report.html")).unwrap();
    assert!(page.contains("no 95 % CI: an interval needs 2 replicates or more"));
    assert!(!page.contains("Mean across replicates [95 % CI]"));
}

#[test]
fn a_one_month_run_draws_its_point_and_says_month_0() {
    let tmp = tempfile::tempdir().unwrap();
    let small = std::fs::read_to_string(data("compare_small.toml")).unwrap();
    let scenario = tmp.path().join("compare_small.toml");
    let one_month = small
        .replace("months = 24", "months = 1")
        .replace("window_months = 6", "window_months = 1");
    std::fs::write(&scenario, one_month).unwrap();
    let out = tmp.path().join("m1");
    let o = out.to_str().unwrap();
    run(&["compare", scenario.to_str().unwrap(), "--out", o, "-q"]);
    let charts = out.join("charts");
    let forest = svg_words(&charts.join("compare_small_forest.svg"));
    assert!(forest.contains("mean of month 0"), "{forest}");
    assert!(!forest.contains("months 0–0"), "{forest}");
    // A series of one month: a marker per variant (a line of one point
    // drew nothing), and no month 1 invented on the axis.
    let run_dir = tmp.path().join("r1");
    run(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        run_dir.to_str().unwrap(),
        "-q",
    ]);
    let path = run_dir.join("charts/compare_small_realised_service.svg");
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.contains("<circle"), "no marker for the one month");
    let texts = svg_texts(&path);
    assert!(texts.lines().any(|l| l == "0"), "{texts}");
    assert!(
        !texts.lines().any(|l| l == "1"),
        "month 1 invented: {texts}"
    );
}
