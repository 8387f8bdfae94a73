//! Charts of sweeps, sensitivity analyses and calibrations, from small
//! studies run by the binary: each kind exists in both formats, PNGs have
//! the size asked for and are not blank, SVGs hold their title and axis
//! labels as text, and `plot::charts` redraws them byte for byte from the
//! finished directory's files alone.

mod common;

use common::{data, ok, temp};
use grassroots::output::chart::{ChartOptions, Format};
use grassroots::output::plot::{self, PlotOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Width, height and the number of distinct colours of a PNG.
fn png_facts(path: &Path) -> (u32, u32, usize) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let bytes = &buf[..info.buffer_size()];
    let mut colours: Vec<&[u8]> = bytes.chunks(info.color_type.samples()).collect();
    colours.sort_unstable();
    colours.dedup();
    (info.width, info.height, colours.len())
}

/// The texts of an SVG's `<text>` elements, in document order.
fn svg_texts(path: &Path) -> Vec<String> {
    let svg = std::fs::read_to_string(path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", path.display());
    svg.split("<text")
        .skip(1)
        .map(|piece| {
            let body = piece.split_once('>').map_or("", |(_, b)| b);
            body.split("</text>")
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .collect()
}

/// The chart `charts/…STEM.EXT` of `dir` (chart files may carry the
/// scenario's name before the stem).
fn chart(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    let name = format!("{stem}.{ext}");
    let found: Vec<PathBuf> = std::fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let file = p.file_name().unwrap().to_string_lossy();
            file == name || file.ends_with(&format!("_{name}"))
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{stem}.{ext} in {}: {found:?}",
        dir.display()
    );
    found.into_iter().next().unwrap()
}

/// Every chart file of `dir`, by name.
fn chart_bytes(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Delete the charts of `dir`, redraw them with `plot::charts` from its
/// files and manifest, and check they are the study's, byte for byte.
fn redrawn_identically(dir: &Path) {
    let before = chart_bytes(dir);
    assert!(!before.is_empty(), "{}: no charts", dir.display());
    std::fs::remove_dir_all(dir.join("charts")).unwrap();
    for drawn in plot::charts(dir, &manifest(dir), &PlotOptions::default()).unwrap() {
        drawn.file.commit().unwrap();
    }
    assert_eq!(
        chart_bytes(dir),
        before,
        "{}: plot redraws the study's charts",
        dir.display()
    );
}

/// Check the PNG of `stem` is print-sized and not blank, and that its SVG
/// holds each of `words` as text; returns the SVG's texts.
fn check_chart(dir: &Path, stem: &str, words: &[&str]) -> Vec<String> {
    let (w, h, colours) = png_facts(&chart(dir, stem, "png"));
    assert_eq!(w, 1890, "{stem}: 16 cm at 300 dpi");
    assert!(h > 400 && h < 4000, "{stem}: height {h}");
    assert!(colours > 20, "{stem}: not blank ({colours} colours)");
    let texts = svg_texts(&chart(dir, stem, "svg"));
    for word in words {
        assert!(
            texts.iter().any(|t| t.contains(word)),
            "{stem}: `{word}` as text in {texts:?}"
        );
    }
    texts
}

fn sweep(file: &str, out: &Path, threads: &str) {
    ok(&[
        "sweep",
        &data(file),
        "-q",
        "--threads",
        threads,
        "--out",
        out.to_str().unwrap(),
    ]);
}

#[test]
fn a_grid_of_two_keys_draws_heatmaps_with_a_colour_bar_and_ci_half_widths() {
    let (_t, dir) = temp();
    let out = dir.join("grid");
    sweep("sweep_small.toml", &out, "2");
    for (stem, axis) in [
        ("share_met", "share met (share)"),
        ("formalism_index", "formalism index"),
    ] {
        let texts = check_chart(
            &out,
            stem,
            &[
                "sweep_small — ",
                "formal weight (incentive)",
                "mass supervision (supervision)",
                axis,
                "±0.",
            ],
        );
        // Grid values read alike, as typed: 0.1 … 1.0, never 0.1000.
        for tick in ["0.0", "0.3", "0.1", "0.9", "1.0"] {
            assert!(texts.iter().any(|t| t == tick), "{stem}: tick {tick}");
        }
        assert!(!texts.iter().any(|t| t.contains("0.1000")), "{stem}");
        // 24 cells, each with its value and the half-width of its CI.
        let halves = texts.iter().filter(|t| t.starts_with('±')).count();
        assert_eq!(halves, 24, "{stem}");
    }
    // A complete grid of two keys needs neither scatter plots nor a tornado.
    assert!(
        !chart_bytes(&out).keys().any(|k| k.contains("tornado")),
        "no tornado for a grid"
    );
    redrawn_identically(&out);
}

#[test]
fn one_key_draws_a_line_with_markers_at_grid_values_read_alike() {
    let (_t, dir) = temp();
    let out = dir.join("line");
    sweep("sweep_line_small.toml", &out, "1");
    for stem in ["share_met", "realised_service"] {
        let texts = check_chart(
            &out,
            stem,
            &[
                "sweep_line_small — ",
                "formal weight (incentive)",
                "band: 95 % CI",
            ],
        );
        // Every grid value as a tick, with the same two decimals.
        for tick in ["0.10", "0.25", "0.40", "0.55", "0.70", "0.85", "1.00"] {
            assert!(texts.iter().any(|t| t == tick), "{stem}: tick {tick}");
        }
    }
    let texts = svg_texts(&chart(&out, "realised_service", "svg"));
    assert!(
        texts
            .iter()
            .any(|t| t == "realised service (needs/household/month)")
    );
    redrawn_identically(&out);
}

/// The window rows of `sensitivity.csv` for `outcome`: (parameter, src).
fn coefficients(dir: &Path, outcome: &str) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(dir.join("sensitivity.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|c| c[0] == outcome && c[1] == "window")
        .map(|c| (c[2].to_string(), c[4].parse().unwrap()))
        .collect()
}

#[test]
fn a_latin_hypercube_draws_scatter_plots_and_a_sorted_tornado_at_any_thread_count() {
    let (_t, dir) = temp();
    let (one, two) = (dir.join("one"), dir.join("two"));
    sweep("sweep_lhs_small.toml", &one, "1");
    sweep("sweep_lhs_small.toml", &two, "2");
    assert_eq!(
        chart_bytes(&one),
        chart_bytes(&two),
        "charts at 1 and 2 threads"
    );
    for stem in ["share_met", "formalism_index"] {
        let texts = check_chart(
            &one,
            stem,
            &[
                "sweep_lhs_small — ",
                "formal weight (incentive)",
                "mass supervision (supervision)",
                "need rate (environment)",
                "ρ = ",
                "12 sweep points",
            ],
        );
        assert_eq!(texts.iter().filter(|t| t.starts_with("ρ = ")).count(), 3);
    }
    let texts = check_chart(
        &one,
        "tornado",
        &[
            "sensitivity to the swept keys",
            "standardised regression coefficient",
            "share met (R² = ",
            "formalism index (R² = ",
            "Spearman",
        ],
    );
    // Bars from the largest coefficient down, as in sensitivity.csv.
    let mut expected = coefficients(&one, "share_met");
    assert_eq!(expected.len(), 3);
    expected.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    let names: Vec<String> = expected
        .iter()
        .map(|(k, _)| grassroots::output::chart::sweep::parameter_name(k))
        .collect();
    let first_panel: Vec<&String> = texts
        .iter()
        .skip_while(|t| !t.starts_with("share met"))
        .filter(|t| names.contains(t))
        .take(3)
        .collect();
    assert_eq!(first_panel, names.iter().collect::<Vec<_>>());
    let largest = format!(
        "{}{:.2}",
        if expected[0].1 > 0.0 { "+" } else { "\u{2212}" },
        expected[0].1.abs()
    );
    assert!(texts.contains(&largest), "{largest} in {texts:?}");
    redrawn_identically(&one);
}

#[test]
fn a_key_constant_over_the_points_is_left_out_of_the_tornado_model() {
    // An integer key whose range rounds to one value: the other keys keep
    // their regression coefficients, and the note names the constant one.
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("sweep_lhs_small.toml"))
        .unwrap()
        .replace(
            "\"environment.need_rate\" = [0.05, 0.2]",
            "\"incentive.assessment_period_months\" = [12.0, 12.4]",
        );
    let file = tmp.path().join("constant.toml");
    std::fs::write(&file, text).unwrap();
    let out = tmp.path().join("out");
    ok(&[
        "sweep",
        file.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    check_chart(
        &out,
        "tornado",
        &[
            "standardised regression coefficient",
            "no bar: assessment period months",
        ],
    );
}

#[test]
fn charts_of_a_sweep_take_their_size_and_format_from_the_options() {
    let (_t, dir) = temp();
    let out = dir.join("line");
    sweep("sweep_line_small.toml", &out, "1");
    let options = PlotOptions {
        chart: ChartOptions {
            width_cm: 8.0,
            dpi: 150,
            formats: vec![Format::Png],
        },
        metrics: Some(vec!["share_met".into()]),
        variants: None,
    };
    let drawn = plot::charts(&out, &manifest(&out), &options).unwrap();
    assert_eq!(drawn.len(), 1, "one outcome, one format");
    assert!(
        drawn[0].name.ends_with("share_met_selected.png"),
        "{}",
        drawn[0].name
    );
    let path = drawn[0].file.path().to_path_buf();
    let (w, _, colours) = png_facts(&path);
    assert_eq!(w, 472, "8 cm at 150 dpi");
    assert!(colours > 20);
    // A sweep has no variants to choose, and no outcome `cost`.
    let refused = |options: PlotOptions| {
        plot::charts(&out, &manifest(&out), &options)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let e = refused(PlotOptions {
        variants: Some(vec!["a".into()]),
        ..PlotOptions::default()
    });
    assert!(e.contains("no variants to choose"), "{e}");
    let e = refused(PlotOptions {
        metrics: Some(vec!["cost".into()]),
        ..PlotOptions::default()
    });
    assert!(
        e.contains("no outcome `cost`") && e.contains("share_met"),
        "{e}"
    );
}

#[test]
fn sensitivity_draws_morris_and_sobol_charts_that_plot_redraws() {
    let (_t, dir) = temp();
    let morris = dir.join("morris");
    ok(&[
        "sensitivity",
        &data("sensitivity_small.toml"),
        "-q",
        "--out",
        morris.to_str().unwrap(),
    ]);
    for stem in [
        "morris_realised_service",
        "morris_satisfaction_mean",
        "morris_realised_service_effect_of_mass_evaluation",
        "morris_satisfaction_mean_effect_of_mass_evaluation",
    ] {
        check_chart(
            &morris,
            stem,
            &[
                "sensitivity_small — ",
                "μ* (",
                "σ (",
                "mean absolute elementary effect",
                "need rate (environment)",
                "skill decay (training)",
                "attention (effort)",
            ],
        );
    }
    let texts = svg_texts(&chart(&morris, "morris_realised_service", "svg"));
    assert!(
        texts.iter().any(|t| t == "μ* (needs/household/month)"),
        "the outcome's unit on the axis"
    );
    redrawn_identically(&morris);

    let text = std::fs::read_to_string(data("sensitivity_small.toml")).unwrap();
    let file = dir.join("sobol.toml");
    std::fs::write(
        &file,
        text.replace(
            "method = \"morris\"\ntrajectories = 6\nlevels = 4",
            "method = \"sobol\"\nsamples = 8",
        ),
    )
    .unwrap();
    let sobol = dir.join("sobol");
    ok(&[
        "sensitivity",
        file.to_str().unwrap(),
        "-q",
        "--out",
        sobol.to_str().unwrap(),
    ]);
    check_chart(
        &sobol,
        "sobol_realised_service",
        &[
            "sensitivity_small — realised service",
            "first-order index",
            "total index",
            "Sobol index",
            "need rate (environment)",
        ],
    );
    // Factors from the largest total index down (in this design the
    // effect's order differs from the file's).
    let indices = std::fs::read_to_string(sobol.join("indices.csv")).unwrap();
    for (policy, stem) in [
        ("", "sobol_realised_service"),
        (
            "mass_evaluation",
            "sobol_realised_service_effect_of_mass_evaluation",
        ),
    ] {
        let mut totals: Vec<(String, f64)> = indices
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|c| c[0] == "realised_service" && c[1] == policy)
            .map(|c| (c[2].to_string(), c[6].parse().unwrap_or(f64::NAN)))
            .collect();
        assert_eq!(totals.len(), 3);
        totals.sort_by(|a, b| b.1.total_cmp(&a.1));
        let names: Vec<String> = totals
            .iter()
            .map(|(k, _)| grassroots::output::chart::sweep::parameter_name(k))
            .collect();
        let texts = svg_texts(&chart(&sobol, stem, "svg"));
        let shown: Vec<&String> = texts.iter().filter(|t| names.contains(t)).collect();
        assert_eq!(shown, names.iter().collect::<Vec<_>>(), "{stem}");
    }
    redrawn_identically(&sobol);
}

#[test]
fn a_calibration_draws_its_posterior_pairs_that_plot_redraws() {
    let (_t, dir) = temp();
    let mut text = std::fs::read_to_string(data("calibration_small.toml")).unwrap();
    text = text.replace("generations = 5", "generations = 2");
    text.push_str(
        "\n[[calibration.targets]]\nmetric = \"realised_service\"\nmonths = [24, 35]\nvalue = 0.17\nsd = 0.015\n",
    );
    let file = dir.join("cal.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.join("cal");
    ok(&[
        "calibrate",
        file.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let texts = check_chart(
        &out,
        "posterior_pairs",
        &[
            "calibration_small — posterior after 2 generations",
            "need rate (environment)",
            "skill decay (training)",
            "r = ",
            "30 particles",
        ],
    );
    // Axes span the prior ranges: 0.04–0.3 and 0–0.04, ends labelled.
    for tick in ["0.1", "0.3", "0.00", "0.04"] {
        assert!(texts.iter().any(|t| t == tick), "tick {tick} in {texts:?}");
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    let png = chart(&out, "posterior_pairs", "png");
    let name = format!("charts/{}", png.file_name().unwrap().to_string_lossy());
    assert!(
        report.contains(&format!("]({name})")),
        "report links {name}"
    );
    redrawn_identically(&out);
}

#[test]
fn one_replicate_sweep_charts_promise_no_interval_and_narrow_scatters_fit() {
    let (_t, dir) = temp();
    let one_replicate = |file: &str, out: &Path| {
        ok(&[
            "sweep",
            &data(file),
            "-q",
            "--replicates",
            "1",
            "--out",
            out.to_str().unwrap(),
        ]);
    };
    let grid = dir.join("grid1");
    one_replicate("sweep_small.toml", &grid);
    let texts = svg_texts(&chart(&grid, "share_met", "svg")).join(" ");
    assert!(texts.contains("no ± below it"), "{texts}");
    assert!(
        texts.contains("grid point from 1 replicate") && !texts.contains("across 1"),
        "{texts}"
    );
    assert!(!texts.contains("half-width of its 95 % CI"), "{texts}");
    let md = std::fs::read_to_string(grid.join("report.md")).unwrap();
    assert!(
        md.contains("(one replicate: no 95 % CI)") && !md.contains("[95 % CI across replicates]"),
        "{md}"
    );
    let line = dir.join("line1");
    one_replicate("sweep_line_small.toml", &line);
    let stem = manifest(&line)["outcomes"][0].as_str().unwrap().to_string();
    let texts = svg_texts(&chart(&line, &stem, "svg")).join(" ");
    assert!(texts.contains("needs 2 replicates or more"), "{texts}");
    assert!(texts.contains("sweep point from 1 replicate"), "{texts}");
    assert!(!texts.contains(": 95 % CI of the mean"), "{texts}");

    // A Latin hypercube at 8 cm: every x description within its panel
    // (set smaller where needed, never two run together), as drawn text.
    let lhs = dir.join("lhs");
    sweep("sweep_lhs_small.toml", &lhs, "2");
    ok(&[
        "plot",
        lhs.to_str().unwrap(),
        "--width-cm",
        "8",
        "--format",
        "svg",
        "-q",
    ]);
    let stem = manifest(&lhs)["outcomes"][0].as_str().unwrap().to_string();
    let svg = std::fs::read_to_string(chart(&lhs, &stem, "svg")).unwrap();
    let width: f64 = svg
        .split("width=\"")
        .nth(1)
        .and_then(|w| w.split('"').next())
        .and_then(|w| w.parse().ok())
        .unwrap();
    // Each x tick label row of a panel: no two labels closer than their
    // own width (they read as one number run together otherwise).
    let mut ticks: Vec<(f64, f64, String)> = Vec::new();
    for piece in svg.split("<text").skip(1) {
        let (attrs, body) = piece.split_once('>').unwrap();
        let text = body.split("</text>").next().unwrap().trim().to_string();
        let num = |name: &str| -> Option<f64> {
            attrs
                .split(&format!(" {name}=\""))
                .nth(1)?
                .split('"')
                .next()?
                .parse()
                .ok()
        };
        assert!(num("x").is_none_or(|x| x <= width), "{text} outside");
        if let (Some(x), Some(y)) = (num("x"), num("y"))
            && text.parse::<f64>().is_ok()
        {
            ticks.push((y, x, text));
        }
    }
    ticks.sort_by(|a, b| a.partial_cmp(b).unwrap());
    for pair in ticks.windows(2) {
        let ((y0, x0, a), (y1, x1, b)) = (&pair[0], &pair[1]);
        if (y0 - y1).abs() < 0.5 && x1 > x0 {
            // Half of each label (7.5 pt digits are over 5 px wide at
            // 96 dpi) and the 6 pt (8 px) gap between them.
            let needed = (a.len() + b.len()) as f64 / 2.0 * 5.2 + 8.0;
            assert!(x1 - x0 >= needed, "{a} and {b} run together at y {y0}");
        }
    }
}
