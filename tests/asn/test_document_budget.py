"""Document templates have a budget (issue #14): time and output size are checked while a
template renders, markup nested too deep is a readable refusal, and a template is checked
against the largest data there can be. The costly cases run in a child process that
measures its peak RSS and time."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from asn.documents import DocumentError, default_template, render_packing_list, template_errors
from asn.documents.budget import Budget, BudgetExceeded
from asn.documents.samples import worst_packing_list

ROOT = Path(__file__).resolve().parents[2]
MAX_MIB = 150
MAX_SECONDS = 5


def measure_template_errors(kind: str, source: str) -> dict:
    """template_errors(kind, source) in a fresh Python: peak RSS growth, time, messages."""
    code = f"""
import json, time, django
django.setup()
from asn.documents import template_errors
template_errors("carton_label", "x")  # imports and fonts, before measuring

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024

with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")
before = status("VmRSS")
started = time.perf_counter()
errors = template_errors({kind!r}, {source!r})
seconds = time.perf_counter() - started
print(json.dumps({{"grew_mib": status("VmHWM") - before, "seconds": seconds, "errors": errors}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(figures)
    assert figures["grew_mib"] <= MAX_MIB, figures
    assert figures["seconds"] <= MAX_SECONDS, figures
    return figures


def with_body(kind: str, body: str) -> str:
    """The default template with `body` added before its end."""
    return default_template(kind) + body


def test_a_filter_asked_for_a_gigabyte_is_refused_before_it_builds_it():
    # Before: {{ "x"|ljust:1000000000 }} took 1.8 GiB before the length was checked.
    figures = measure_template_errors(
        "carton_label", with_body("carton_label", '{{ "x"|ljust:1000000000 }}')
    )
    assert any("ljust filter takes at most 200" in e for e in figures["errors"]), figures


def test_doubling_a_text_in_nested_withs_stops_at_the_filter_limit():
    doubling = "".join(f"{{% with v{i}=v{i - 1}|add:v{i - 1} %}}" for i in range(1, 40))
    source = with_body(
        "carton_label", '{% with v0="xxxxxxxx" %}' + doubling + "{{ v39 }}" + "{% endwith %}" * 40
    )
    figures = measure_template_errors("carton_label", source)
    assert any("add filter made more than 100,000" in e for e in figures["errors"]), figures


def test_three_nested_loops_over_the_cartons_stop_at_the_time_limit():
    # Before: three nested loops held a worker for 9 s. Empty bodies: no output to count.
    loops = (
        "{% for a in packing_list.cartons %}{% for b in packing_list.cartons %}"
        "{% for c in packing_list.cartons %}{% endfor %}{% endfor %}{% endfor %}"
    )
    figures = measure_template_errors("packing_list", with_body("packing_list", loops))
    assert any("largest data" in e and "takes longer than 2 s" in e for e in figures["errors"]), (
        figures
    )


def test_nested_loops_with_output_stop_at_the_size_limit_while_rendering():
    loops = (
        "{% for a in packing_list.cartons %}{% for b in packing_list.cartons %}"
        "<p>{{ b.sscc }}</p>{% endfor %}{% endfor %}"
    )
    figures = measure_template_errors("packing_list", with_body("packing_list", loops))
    assert any("more than 500,000 characters" in e for e in figures["errors"]), figures


def test_the_budget_stops_a_render_as_soon_as_it_is_spent():
    budget = Budget(seconds=60, chars=100)
    budget.check(100)
    with pytest.raises(BudgetExceeded, match="more than 100 characters"):
        budget.check(1)
    late = Budget(seconds=0)
    with pytest.raises(BudgetExceeded, match="takes longer"):
        late.check(0)


def test_markup_nested_too_deep_is_a_readable_refusal():
    source = with_body("carton_label", "<div>" * 5000 + "</div>" * 5000)
    errors = template_errors("carton_label", source)
    assert any("nested more than 40 elements deep" in e for e in errors), errors


def test_template_tags_nested_too_deep_are_a_readable_refusal():
    source = "{% if 1 %}" * 3000 + "{% endif %}" * 3000
    errors = template_errors("carton_label", source)
    assert errors == ["Template: its tags are nested too deeply."]


def test_a_barcode_copied_from_the_preview_is_found_with_other_data():
    # The preview's own SSCC typed in: right for the sample, wrong for every real carton.
    source = default_template("carton_label").replace(
        '<barcode sscc="{{ label.sscc }}">', '<barcode sscc="106141411234567897">'
    )
    assert source != default_template("carton_label")
    errors = template_errors("carton_label", source)
    assert any("largest data" in e and "own SSCC" in e for e in errors), errors


@pytest.mark.parametrize("kind", ["carton_label", "pallet_label", "packing_list"])
def test_the_default_templates_pass_the_worst_case(kind):
    assert template_errors(kind, default_template(kind)) == []


def test_a_real_shipment_of_the_worst_size_still_renders():
    pdf = render_packing_list(default_template("packing_list"), worst_packing_list(), "A4")
    assert pdf.startswith(b"%PDF")


def test_rendering_a_document_over_budget_is_a_document_error():
    source = with_body("packing_list", '{{ "x"|rjust:5000 }}')
    with pytest.raises(DocumentError, match="rjust filter takes at most 200"):
        render_packing_list(source, worst_packing_list(), "A4")
