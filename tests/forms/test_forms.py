import datetime as dt
import json

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from forms import FORM_REGISTRY
from forms import EmptyForm
from forms import TaskForm
from forms import UnknownFormKey
from forms import build_form_class
from forms import field_schema
from forms import form_for
from forms import load_form
from forms.common import GATE_DECISIONS
from forms.common import to_json_value
from forms.gates import MUST_MEET_CRITERIA
from forms.gates import SHOULD_MEET_CRITERIA
from forms.gates import GateDecisionForm
from forms.gates import GateReadinessForm
from forms.gates import weighted_score
from webapp.engine.task_view import FormFieldSpec


@pytest.fixture
def app():
    app = Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="test", WTF_CSRF_ENABLED=False)
    return app


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context(method="POST"):
        yield


def post(form_cls, fields: dict):
    """A form bound to HTML-style form data (lists become repeated keys)."""
    pairs = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, item))
    return form_cls(formdata=MultiDict(pairs))


SCORES = {"strategic_fit": "4", "business_value": "5", "risk": "3", "feasibility": "4"}

GOOD = {
    "project_charter": {
        "objectives": "Cut invoice processing time by half",
        "scope": "Accounts payable only",
        "business_case": "Saves 2 FTE a year",
        "estimated_cost": "125000.50",
    },
    "project_plan": {
        "schedule_summary": "Design, build, pilot",
        "baseline_budget": "100000",
        "baseline_end_date": "2026-06-30",
    },
    "gate_submission": {
        "deliverables": ["business_case", "project_charter"],
        "summary": "Ready for gate 2",
        "package_link": "https://intranet/sites/pmo/gate2",
    },
    "gate_readiness": {
        "package_complete": "y",
        "strategic_alignment": "y",
        "risks_assessed": "y",
        "funding_available": "y",
        "readiness_passed": "y",
    },
    "gate_score": {**SCORES, "recommendation": "go"},
    "gate_decision": {**SCORES, "decision": "go"},
    "resume_gate": {"resume_note": "Funding confirmed"},
    "recycle_escalation": {"decision": "kill", "rationale": "No sponsor left"},
    "lessons_learned": {"to_improve": "Involve procurement earlier"},
    "closure_record": {"closure_reason": "completed", "final_cost": "98000"},
    "benefits_review": {"benefits_realised": "partly", "realised_value": "-1500"},
}

BAD = [
    ("project_charter", {"objectives": "   "}, "objectives"),
    ("project_charter", {"estimated_cost": "-1"}, "estimated_cost"),
    ("project_charter", {"estimated_cost": "Infinity"}, "estimated_cost"),
    ("project_charter", {"estimated_cost": "1e30"}, "estimated_cost"),
    ("project_plan", {"baseline_budget": ""}, "baseline_budget"),
    ("project_plan", {"baseline_end_date": "30/06/2026"}, "baseline_end_date"),
    ("gate_submission", {"deliverables": []}, "deliverables"),
    ("gate_submission", {"deliverables": ["world_peace"]}, "deliverables"),
    ("gate_submission", {"summary": ""}, "summary"),
    ("gate_submission", {"package_link": "not a link"}, "package_link"),
    ("gate_submission", {"package_link": "ftp://files/gate2"}, "package_link"),
    ("gate_score", {"risk": "6"}, "risk"),
    ("gate_score", {"strategic_fit": "0"}, "strategic_fit"),
    ("gate_score", {"recommendation": "maybe"}, "recommendation"),
    ("gate_decision", {"business_value": ""}, "business_value"),
    ("gate_decision", {"decision": ""}, "decision"),
    ("resume_gate", {"resume_note": ""}, "resume_note"),
    ("recycle_escalation", {"decision": "go"}, "decision"),
    ("recycle_escalation", {"rationale": ""}, "rationale"),
    ("lessons_learned", {"to_improve": ""}, "went_well"),
    ("closure_record", {"closure_reason": ""}, "closure_reason"),
    ("closure_record", {"final_cost": "abc"}, "final_cost"),
    ("benefits_review", {"benefits_realised": "somewhat"}, "benefits_realised"),
]


def test_every_registered_form_has_good_data_in_this_test():
    assert set(GOOD) == set(FORM_REGISTRY)


@pytest.mark.parametrize("key", sorted(GOOD))
def test_registered_form_accepts_good_data(key):
    form = post(FORM_REGISTRY[key], GOOD[key])
    assert form.validate(), form.errors
    data = form.to_data()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert "csrf_token" not in data and "submit" not in data


@pytest.mark.parametrize(("key", "change", "field"), BAD)
def test_registered_form_rejects_bad_data_on_the_right_field(key, change, field):
    form = post(FORM_REGISTRY[key], {**GOOD[key], **change})
    assert not form.validate()
    assert field in form.errors, form.errors


def test_registry_naming():
    for key, form_cls in FORM_REGISTRY.items():
        assert key.isidentifier() and key == key.lower()
        assert form_cls.__name__.endswith("Form")
        assert issubclass(form_cls, TaskForm)


def test_to_data_converts_dates_and_decimals():
    charter = post(FORM_REGISTRY["project_charter"], GOOD["project_charter"])
    plan = post(FORM_REGISTRY["project_plan"], GOOD["project_plan"])
    assert charter.validate() and plan.validate()
    assert charter.to_data()["estimated_cost"] == 125000.5
    assert charter.to_data()["key_risks"] is None
    assert plan.to_data()["baseline_end_date"] == "2026-06-30"
    assert plan.to_data()["baseline_budget"] == 100000.0


def test_to_json_value_refuses_unknown_types():
    with pytest.raises(TypeError):
        to_json_value(object())


def test_empty_form_only_carries_a_button():
    form = EmptyForm(formdata=MultiDict())
    assert form.validate()
    assert [field.name for field in form] == ["submit"]


# -- gate decision -------------------------------------------------------------------------

CONDITION = {
    "conditions-0-description": "Sign supplier contract",
    "conditions-0-owner": "alice",
    "conditions-0-due_date": "2026-01-31",
}


def decide(**fields):
    return post(GateDecisionForm, {**SCORES, **fields})


def test_go_needs_no_rationale():
    form = decide(decision="go")
    assert form.validate(), form.errors
    assert form.to_data()["decision"] == "go"
    assert form.to_data()["conditions"] == []


@pytest.mark.parametrize("decision", ["hold", "recycle", "kill", "conditional_go"])
def test_other_decisions_need_a_rationale(decision):
    form = decide(decision=decision, rationale="  ", **CONDITION)
    assert not form.validate()
    assert "rationale" in form.errors


def test_conditional_go_needs_a_condition():
    form = decide(decision="conditional_go", rationale="Supplier not signed yet")
    assert not form.validate()
    assert "conditions" in form.errors


def test_conditional_go_ignores_blank_rows_and_keeps_complete_ones():
    blank = {"conditions-1-description": "", "conditions-1-owner": "", "conditions-1-due_date": ""}
    form = decide(decision="conditional_go", rationale="Supplier", **CONDITION, **blank)
    assert form.validate(), form.errors
    data = form.to_data()
    assert data["conditions"] == [
        {"description": "Sign supplier contract", "owner": "alice", "due_date": "2026-01-31"}
    ]
    assert json.dumps(data)


def test_incomplete_condition_is_an_error_on_its_own_field():
    row = {**CONDITION, "conditions-0-owner": ""}
    form = decide(decision="conditional_go", rationale="Supplier", **row)
    assert not form.validate()
    assert form.errors["conditions"][0] == {
        "owner": ["Each condition needs a description, an owner and a due date."]
    }


def test_bad_condition_date_is_reported():
    row = {**CONDITION, "conditions-0-due_date": "tomorrow"}
    form = decide(decision="conditional_go", rationale="Supplier", **row)
    assert not form.validate()
    assert "due_date" in form.errors["conditions"][0]


@pytest.mark.parametrize("decision", ["go", "hold", "recycle", "kill"])
def test_only_conditional_go_carries_conditions(decision):
    form = decide(decision=decision, rationale="Because", **CONDITION)
    assert not form.validate()
    assert any("Only a conditional go" in str(error) for error in form.errors["conditions"])


def test_weighted_score():
    assert (
        weighted_score({"strategic_fit": 4, "business_value": 5, "risk": 3, "feasibility": 4})
        == 4.1
    )
    assert weighted_score({name: 5 for name, _, _ in SHOULD_MEET_CRITERIA}) == 5.0
    assert weighted_score({name: "1" for name, _, _ in SHOULD_MEET_CRITERIA}) == 1.0
    with pytest.raises(ValueError, match="feasibility"):
        weighted_score({"strategic_fit": 4, "business_value": 5, "risk": 3})


def test_decision_data_includes_score_total():
    form = decide(decision="go")
    assert form.validate()
    assert form.to_data()["score_total"] == 4.1


def test_score_fields_come_from_the_criteria_list():
    form = decide(decision="go")
    for name, label, weight in SHOULD_MEET_CRITERIA:
        assert form[name].label.text == label
        assert f"{weight:.0%}" in form[name].description
    assert sum(weight for _, _, weight in SHOULD_MEET_CRITERIA) == pytest.approx(1.0)


def test_gate_decision_values_are_the_bpmn_values():
    assert [value for value, _ in GATE_DECISIONS] == [
        "go",
        "conditional_go",
        "hold",
        "recycle",
        "kill",
    ]


# -- gate readiness ------------------------------------------------------------------------


def test_readiness_cannot_pass_with_an_unmet_must_meet():
    fields = {**GOOD["gate_readiness"]}
    del fields["funding_available"]
    form = post(GateReadinessForm, fields)
    assert not form.validate()
    assert "Funding available" in form.errors["readiness_passed"][0]


def test_not_ready_needs_a_comment():
    form = post(GateReadinessForm, {"package_complete": "y"})
    assert not form.validate()
    assert list(form.errors) == ["readiness_comment"]
    form = post(GateReadinessForm, {"readiness_comment": "Risk register missing"})
    assert form.validate(), form.errors
    assert form.to_data()["readiness_passed"] is False


def test_readiness_data_contract():
    form = post(GateReadinessForm, GOOD["gate_readiness"])
    assert form.validate()
    data = form.to_data()
    assert data["readiness_passed"] is True
    assert [name for name, _, _ in MUST_MEET_CRITERIA] == list(data)[:4]


# -- generated forms -----------------------------------------------------------------------

SPECS = (
    FormFieldSpec("title", "Title", "string", required=True, minlength=3, maxlength=10),
    FormFieldSpec("headcount", "Headcount", "long", default="3", min=1, max=20),
    FormFieldSpec("approved", "I approve", "boolean", required=True),
    FormFieldSpec("go_live", "Go-live", "date", default="31/12/2026"),
    FormFieldSpec("size", "Size", "enum", required=True, options=(("s", "Small"), ("l", "Large"))),
    FormFieldSpec("region", "Region", "enum", options=(("eu", "EU"), ("us", "US"))),
    FormFieldSpec("ref", "Reference", "string", readonly=True, default="PRJ-1"),
)
GENERATED_GOOD = {"title": "Pilot", "headcount": "5", "approved": "y", "size": "l"}


def test_generated_form_accepts_good_data():
    form = post(build_form_class(SPECS), {**GENERATED_GOOD, "ref": "tampered"})
    assert form.validate(), form.errors
    assert form.to_data() == {
        "title": "Pilot",
        "headcount": 5,
        "approved": True,
        "go_live": "2026-12-31",
        "size": "l",
        "region": None,
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "ab"}, "title"),
        ({"title": "far too long a title"}, "title"),
        ({"headcount": "0"}, "headcount"),
        ({"headcount": "21"}, "headcount"),
        ({"headcount": "many"}, "headcount"),
        ({"approved": ""}, "approved"),
        ({"go_live": "soon"}, "go_live"),
        ({"size": ""}, "size"),
        ({"size": "xl"}, "size"),
        ({"region": "mars"}, "region"),
    ],
)
def test_generated_form_rejects_bad_data(change, field):
    form = post(build_form_class(SPECS), {**GENERATED_GOOD, **change})
    assert not form.validate()
    assert list(form.errors) == [field]


def test_generated_defaults_and_readonly():
    form = build_form_class(SPECS)(formdata=None)
    assert form.headcount.data == 3
    assert form.go_live.data == dt.date(2026, 12, 31)
    assert form.ref.data == "PRJ-1"
    assert "readonly" in form.ref()
    assert 'min="1"' in form.headcount() and 'max="20"' in form.headcount()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (FormFieldSpec("n", "N", "long", default="4.0"), 4),
        (FormFieldSpec("n", "N", "long", default="lots"), None),
        (FormFieldSpec("b", "B", "boolean", default="TRUE"), True),
        (FormFieldSpec("b", "B", "boolean", default="perhaps"), False),
        (FormFieldSpec("d", "D", "date", default="2026-02-01"), dt.date(2026, 2, 1)),
        (FormFieldSpec("d", "D", "date", default="31/02/2026"), None),
        (FormFieldSpec("e", "E", "enum", default="zz", options=(("a", "A"),)), None),
        (FormFieldSpec("s", "S", "string", default="${owner}"), None),
    ],
)
def test_generated_typed_defaults(spec, expected):
    assert build_form_class([spec])(formdata=None)[spec.id].data == expected


def test_generated_classes_are_cached():
    assert build_form_class(SPECS) is build_form_class(list(SPECS))
    assert build_form_class(SPECS[:1]) is not build_form_class(SPECS)


def test_generated_optional_fields_may_stay_empty():
    optional = [
        FormFieldSpec(name, name, kind)
        for name, kind in [("s", "string"), ("n", "long"), ("b", "boolean"), ("d", "date")]
    ]
    form = post(build_form_class(optional), {"s": "", "n": "", "d": ""})
    assert form.validate(), form.errors
    assert form.to_data() == {"s": "", "n": None, "b": False, "d": None}


def test_generated_field_label_falls_back_to_id():
    form = build_form_class([FormFieldSpec("due_by", "", "date")])(formdata=None)
    assert form.due_by.label.text == "Due by"


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([FormFieldSpec("x", "X", "money")], "unsupported type 'money'"),
        ([FormFieldSpec("x", "X", "string")] * 2, "appears twice"),
        ([FormFieldSpec("data", "Data", "string")], "reserved"),
        ([FormFieldSpec("validate_x", "V", "string")], "reserved"),
    ],
)
def test_generated_form_refuses_bad_specs(specs, message):
    with pytest.raises(ValueError, match=message):
        build_form_class(specs)


# -- JSON API: load_form and field_schema -------------------------------------------------


def test_load_form_from_json_with_nested_conditions():
    payload = {
        "strategic_fit": 4,
        "business_value": 5.0,
        "risk": 3,
        "feasibility": 4,
        "decision": "conditional_go",
        "rationale": "Supplier not signed",
        "conditions": [
            {"description": "Sign contract", "owner": "alice", "due_date": "2026-01-31"}
        ],
    }
    form = load_form(GateDecisionForm, payload)
    assert form.validate(), form.errors
    assert form.conditions[0].form.owner.data == "alice"
    assert form.to_data()["conditions"][0]["due_date"] == "2026-01-31"
    assert form.to_data()["score_total"] == 4.1


def test_load_form_reports_nested_errors():
    payload = {
        **GOOD["gate_decision"],
        "decision": "conditional_go",
        "rationale": "x",
        "conditions": [{"description": "Sign", "owner": "", "due_date": "2026-01-31"}],
    }
    form = load_form(GateDecisionForm, payload)
    assert not form.validate()
    assert "owner" in form.errors["conditions"][0]


def test_load_form_accepts_json_booleans_and_lists():
    payload = {name: True for name, _, _ in MUST_MEET_CRITERIA} | {"readiness_passed": True}
    form = load_form(GateReadinessForm, payload)
    assert form.validate(), form.errors
    assert form.to_data()["readiness_passed"] is True

    form = load_form(GateReadinessForm, {**payload, "readiness_passed": False})
    assert not form.validate()
    assert list(form.errors) == ["readiness_comment"]

    form = load_form(
        FORM_REGISTRY["gate_submission"],
        {"deliverables": ["business_case", "risk_register"], "summary": "All in"},
    )
    assert form.validate(), form.errors
    assert form.to_data()["deliverables"] == ["business_case", "risk_register"]


def test_load_form_is_csrf_free_even_when_the_app_enables_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = True
    form = load_form(FORM_REGISTRY["resume_gate"], {"resume_note": "Back on track"})
    assert form.validate(), form.errors
    assert "csrf_token" not in form.to_data()


def test_load_form_falls_back_to_obj_data_for_missing_keys():
    current = {
        "objectives": "Old",
        "scope": "Old scope",
        "business_case": "Case",
        "estimated_cost": 1000,
        "unrelated": {"nested": object()},
    }
    form = load_form(FORM_REGISTRY["project_charter"], {"objectives": "New"}, obj_data=current)
    assert form.validate(), form.errors
    data = form.to_data()
    assert data["objectives"] == "New" and data["scope"] == "Old scope"
    assert data["estimated_cost"] == 1000.0


def test_load_form_rejects_a_non_object_payload():
    with pytest.raises(TypeError):
        load_form(GateDecisionForm, ["go"])


def test_field_schema_describes_fields():
    form = load_form(GateDecisionForm, {**SCORES, "decision": "go"})
    schema = {entry["name"]: entry for entry in field_schema(form)}
    assert list(schema) == [
        *(name for name, _, _ in SHOULD_MEET_CRITERIA),
        "decision",
        "rationale",
        "conditions",
    ]
    assert schema["risk"] | {"description": ""} == {
        "name": "risk",
        "label": "Risk (5 = low)",
        "type": "integer",
        "required": True,
        "readonly": False,
        "description": "",
        "choices": None,
        "value": 3,
        "min": 1,
        "max": 5,
    }
    assert schema["decision"]["type"] == "select"
    assert schema["decision"]["value"] == "go"
    assert [c["value"] for c in schema["decision"]["choices"]] == [v for v, _ in GATE_DECISIONS]
    assert schema["rationale"]["type"] == "text" and schema["rationale"]["required"] is False
    conditions = schema["conditions"]
    assert conditions["type"] == "list" and conditions["value"] == []
    assert [(f["name"], f["type"]) for f in conditions["fields"]] == [
        ("description", "string"),
        ("owner", "string"),
        ("due_date", "date"),
    ]
    assert json.dumps(field_schema(form))


def test_field_schema_of_other_field_kinds():
    submission = field_schema(load_form(FORM_REGISTRY["gate_submission"], {}))
    kinds = {entry["name"]: (entry["type"], entry["required"]) for entry in submission}
    assert kinds == {
        "deliverables": ("multiselect", True),
        "summary": ("text", True),
        "package_link": ("url", False),
    }
    generated = field_schema(build_form_class(SPECS)(formdata=None))
    by_name = {entry["name"]: entry for entry in generated}
    assert by_name["go_live"]["type"] == "date" and by_name["go_live"]["value"] == "2026-12-31"
    assert by_name["approved"]["type"] == "boolean" and by_name["approved"]["required"]
    assert by_name["size"]["choices"] == [
        {"value": "s", "label": "Small"},
        {"value": "l", "label": "Large"},
    ]
    assert by_name["title"]["minlength"] == 3 and by_name["title"]["maxlength"] == 10
    assert "ref" not in by_name  # read-only fields are not data


# -- form_for -------------------------------------------------------------------------------


def test_form_for_prefers_the_registered_key():
    assert form_for("gate_decision", SPECS) is GateDecisionForm


def test_form_for_generates_from_fields():
    assert form_for("unregistered_key", SPECS) is build_form_class(SPECS)
    assert form_for(None, SPECS) is build_form_class(SPECS)


@pytest.mark.parametrize("key", ["no_such_form", None])
def test_form_for_unknown_key(key):
    with pytest.raises(UnknownFormKey, match=repr(key)) as raised:
        form_for(key)
    assert isinstance(raised.value, LookupError)
    assert raised.value.form_key == key
