"""Caption files read into cues (captions.py): what authors write, and their mistakes at path:line."""
from __future__ import annotations

from pathlib import Path

import pytest

from scormpack.captions import Cue, cue_settings, read_subrip, read_webvtt, srt_to_vtt, timestamp

CAPTIONS = Path("media/radio-check.en.vtt")


def cues_of(text: str) -> list[Cue]:
    cues, errors = read_webvtt(text, CAPTIONS)
    assert errors == [], [str(error) for error in errors]
    return cues


def problems_of(text: str, path: Path = CAPTIONS) -> list[tuple[int, str]]:
    _, errors = read_webvtt(text, path)
    assert all(error.path == path for error in errors)
    return [(error.line, error.message) for error in errors]


@pytest.mark.parametrize(
    "written, seconds",
    [("00:02.500", 2.5), ("01:02.003", 62.003), ("00:01:02.003", 62.003), ("1:00:00.000", 3600.0),
     ("123:00:00.000", 442800.0), ("59:59.999", 3599.999)],
)
def test_timestamps_in_every_form_webvtt_allows(written, seconds):
    assert timestamp(written) == seconds


@pytest.mark.parametrize("written", ["0:02.500", "00:60.000", "00:02", "00:02,500", "00:00:61.000", "1:2:03.000", "00:02.50"])
def test_timestamps_browsers_refuse_are_refused(written):
    assert timestamp(written) is None


def test_cues_with_ids_several_lines_notes_styles_and_a_bom_are_read():
    text = (
        "\ufeffWEBVTT - the radio check\nKind: captions\n\n"
        "NOTE written for the gate scene,\nchecked by the trainer\n\n"
        "STYLE\n::cue { color: yellow }\n\n"
        "1\n00:00.000 --> 00:02.000\nGate, this is patrol one.\n\n"
        "00:02.000 --> 00:00:04.500 align:start line:85% position:10%,line-left size:50%\n"
        "<v Gate>Patrol one, go ahead.</v>\nOver.\n\n"
        "NOTE last cue next\n\n"
        "closing\n00:04.500 --> 00:06.000\nOut &amp; clear.\n"
    )
    cues = cues_of(text)
    assert [(cue.start, cue.end) for cue in cues] == [(0, 2), (2, 4.5), (4.5, 6)]
    assert [cue.identifier for cue in cues] == ["1", "", "closing"]
    assert cues[1].text == "<v Gate>Patrol one, go ahead.</v>\nOver."  # cue text as written: the browser reads its markup
    assert cues[2].text == "Out &amp; clear."
    assert cues[1].settings == {"align": "start", "snapToLines": False, "line": 85, "position": 10,
                                "positionAlign": "line-left", "size": 50}
    assert cues[1].as_data() == {"start": 2.0, "end": 4.5, "text": cues[1].text, "settings": cues[1].settings}
    assert cues[2].as_data() == {"start": 4.5, "end": 6.0, "text": "Out &amp; clear.", "id": "closing"}


def test_line_endings_of_every_system_and_a_header_without_blank_line():
    assert [cue.text for cue in cues_of("WEBVTT\r\n\r\n00:00.000 --> 00:01.000\r\nOne\r\ntwo\r\n")] == ["One\ntwo"]
    assert [cue.text for cue in cues_of("WEBVTT\r\r00:00.000 --> 00:01.000\rOne\r")] == ["One"]
    # A timing line right under the header starts the first cue, as browsers read it.
    assert [cue.text for cue in cues_of("WEBVTT\n00:00.000 --> 00:01.000\nOne\n")] == ["One"]
    # A line with "-->" after a cue's text starts the next cue.
    assert [cue.text for cue in cues_of("WEBVTT\n\n00:00.000 --> 00:01.000\nOne\n00:01.000 --> 00:02.000\nTwo\n")] == ["One", "Two"]


def test_a_file_with_no_cues_has_none():
    assert cues_of("WEBVTT\n") == []
    assert cues_of("WEBVTT\n\nNOTE to be captioned\n") == []


def test_settings_browsers_ignore_are_left_out():
    assert cue_settings(" align:middle line:-1 position:120% size:abc vertical:up region:r1 colour:red") == {
        "snapToLines": True, "line": -1}
    assert cue_settings(" line:0,end vertical:rl") == {"snapToLines": True, "line": 0, "lineAlign": "end", "vertical": "rl"}
    assert cue_settings(" line:12.5%") == {"snapToLines": False, "line": 12.5}


def test_a_missing_header_is_reported_on_line_1():
    assert problems_of("1\n00:00:00,000 --> 00:00:02,000\nHello\n") == [(1, "captions: the file does not start with 'WEBVTT'")]
    assert problems_of("WEBVTTX\n") == [(1, "captions: the file does not start with 'WEBVTT'")]


def test_every_mistake_is_reported_at_its_own_line():
    text = (
        "WEBVTT\n"                      # 1
        "\n"                            # 2
        "00:00.000 -> 00:02.000\n"      # 3: a mistyped arrow, so no cue at all
        "Gate, this is patrol one.\n"   # 4
        "\n"                            # 5
        "00:02.000 --> 00:04,500\n"     # 6: a SubRip comma
        "Patrol one, go ahead.\n"       # 7
        "\n"                            # 8
        "00:05.000 --> 00:04.000\n"     # 9: ends before it starts
        "Over.\n"                       # 10
        "\n"                            # 11
        "00:06.000 --> 00:07.000\n"     # 12
        "Out.\n"                        # 13
        "\n"                            # 14
        "And clear.\n"                  # 15: cut from its cue by a blank line
    )
    cues, errors = read_webvtt(text, CAPTIONS)
    assert [cue.text for cue in cues] == ["Out."]
    found = [(error.line, error.message) for error in errors]
    assert [line for line, _ in found] == [3, 6, 9, 15]
    assert "'00:00.000 -> 00:02.000' is not part of a cue" in found[0][1]
    assert "cue timing '00:02.000 --> 00:04,500' is not 'start --> end' with times as mm:ss.ttt or hh:mm:ss.ttt" in found[1][1]
    assert "ends before it starts" in found[2][1]
    assert "'And clear.' is not part of a cue" in found[3][1]
    assert all(str(error).startswith(f"{CAPTIONS}:") for error in (e.findings[0] for e in errors))


def test_subrip_is_converted_and_its_mistakes_reported_at_the_srt_s_lines():
    path = Path("media/radio-check.fr.srt")
    text = "\n\n1\n00:00:00,000 --> 00:00:02,000\nPorte, ici patrouille un.\n\n2\n00:00:02,000 --> 00:00:01,000\nÀ vous.\n"
    webvtt, cues, errors = read_subrip(text, path)
    assert webvtt == srt_to_vtt(text)
    assert webvtt.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\nPorte")
    assert [(cue.identifier, cue.start, cue.end, cue.text) for cue in cues] == [("1", 0, 2, "Porte, ici patrouille un.")]
    assert [(error.path, error.line) for error in errors] == [(path, 8)]  # the .srt's own line 8
    assert "ends before it starts" in errors[0].message
