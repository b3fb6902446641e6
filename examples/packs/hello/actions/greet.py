"""hello.greet: read the parameters (one JSON object on stdin), print the result as JSON."""

import json
import sys

GREETINGS = {"en": "Hello", "fr": "Bonjour", "de": "Hallo"}


def main() -> int:
    parameters = json.load(sys.stdin)
    greeting = f"{GREETINGS[parameters['language']]}, {parameters['name']}!"
    print(json.dumps({"greeting": greeting, "length": len(greeting)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
