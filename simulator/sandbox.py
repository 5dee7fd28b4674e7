"""`--sandbox`: answer like Amazon's static sandbox, from the cases recorded in the models.

Each response code of an operation may carry request → response pairs, in the newer form
`x-amzn-api-sandbox: {static: [...]}` or the older `x-amazon-spds-sandbox-behaviors: [...]`
(docs/amazon.md, "The sandbox"). A case lists parameters as `{name: {value: …}}`; POST
bodies appear as `parameters.body.value`. Matching (Amazon does not document it): an exact
match of the request's parameters wins, then the case whose parameters are all present with
the most parameters, then a catch-all case (`{}` or a body without a value). The marketplace
parameters python-amazon-sp-api injects are ignored.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator.wire import INJECTED_BODY, INJECTED_QUERY


@dataclass(frozen=True)
class Route:
    """An operation of a model: method, path pattern and the path parameters' names."""

    method: str
    template: str
    pattern: re.Pattern[str]
    operation: str
    model: str


@dataclass(frozen=True)
class SandboxCase:
    operation: str
    status: int
    parameters: Mapping[str, Any]  # name → recorded value (a body is the whole JSON)
    response: Any

    @property
    def catch_all(self) -> bool:
        return not self.parameters


def model_routes(models: Mapping[str, dict[str, Any]]) -> list[Route]:
    """Every operation of the models, with a regex for its path template."""
    routes = []
    for model_name, model in models.items():
        for template, operations in model["paths"].items():
            regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
            for method, operation in operations.items():
                if method == "parameters":
                    continue
                routes.append(
                    Route(
                        method=method.upper(),
                        template=template,
                        pattern=re.compile(f"^{regex}$"),
                        operation=operation["operationId"],
                        model=model_name,
                    )
                )
    return routes


def _recorded(response: dict[str, Any]) -> list[dict[str, Any]]:
    cases = list((response.get("x-amzn-api-sandbox") or {}).get("static", []))
    return cases + list(response.get("x-amazon-spds-sandbox-behaviors") or [])


def load_cases(models: Mapping[str, dict[str, Any]]) -> dict[str, list[SandboxCase]]:
    """Every recorded case, by operationId, in the models' order."""
    cases: dict[str, list[SandboxCase]] = {}
    for model in models.values():
        for operations in model["paths"].values():
            for method, operation in operations.items():
                if method == "parameters":
                    continue
                name = operation["operationId"]
                for status, response in operation["responses"].items():
                    for case in _recorded(response):
                        parameters = {
                            key: spec["value"]
                            for key, spec in case["request"]["parameters"].items()
                            if "value" in spec  # `{"body": {}}` is the body catch-all
                        }
                        recorded = SandboxCase(name, int(status), parameters, case["response"])
                        cases.setdefault(name, []).append(recorded)
    return cases


def request_parameters(
    query: Mapping[str, str], path_params: Mapping[str, str], body: Any
) -> dict[str, Any]:
    """A request's parameters as the sandbox sees them (injected marketplace ones dropped)."""
    parameters: dict[str, Any] = {k: v for k, v in query.items() if k not in INJECTED_QUERY}
    parameters.update(path_params)
    if isinstance(body, dict):
        body = {key: value for key, value in body.items() if key not in INJECTED_BODY}
    if body is not None:
        parameters["body"] = body
    return parameters


def _same(recorded: Any, sent: Any) -> bool:
    """Recorded values are JSON (2, true); query and path values arrive as strings."""
    if isinstance(sent, str) and not isinstance(recorded, str):
        if isinstance(recorded, bool):
            return sent.lower() == str(recorded).lower()
        if isinstance(recorded, int | float):
            return sent == str(recorded)
        return False
    return bool(recorded == sent)


def match(cases: list[SandboxCase], parameters: Mapping[str, Any]) -> SandboxCase | None:
    """The case answering a request with `parameters`, or None (no case fits)."""
    best: SandboxCase | None = None
    catch_all: SandboxCase | None = None
    for case in cases:
        if case.catch_all:
            catch_all = catch_all or case
            continue
        fits = all(
            name in parameters and _same(value, parameters[name])
            for name, value in case.parameters.items()
        )
        if not fits:
            continue
        if set(case.parameters) == set(parameters):
            return case  # exact match
        if best is None or len(case.parameters) > len(best.parameters):
            best = case
    return best or catch_all
