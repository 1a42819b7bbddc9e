"""Loads the example prompts with promptic."""

from promptic import load_prompt, render
import promptic as pc
from promptic import VersioningConfig

agents_config = VersioningConfig(delimiter="-", include_prerelease=True)

brief = load_prompt("prompts/task", version="v2")
brief_ru = load_prompt("prompts/task", version="latest", classifier={"lang": "ru"})
steps = load_prompt(
    "prompts/steps",
    version="v1.1.0",
)
planner = pc.load_prompt("agents/planner", versioning_config=agents_config)
missing = load_prompt("prompts/task", version="v7")
spanish = render("prompts/task", classifier={"lang": "es"})
tree = render("prompts/task", version={"root": "v2", "steps": "v1.0.0"})
# Renders v2 and every prompt it includes; v2 uses {{tone}}, which is not passed.
answer = render(
    "prompts/task",
    version="v2",
    vars={"product": "promptls", "audience": "developers"},
)
