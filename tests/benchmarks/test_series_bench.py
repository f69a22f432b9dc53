from benchmarks.series_bench import main


def test_series_bench_prints_a_line_per_season(capsys):
    status = main(["--sizes", "small", "--time-limit", "10"])

    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert len(lines) == 2
    assert "small 1000/10/4" in lines[1]
    assert "INVALID" not in lines[1]
