#!/usr/bin/env bash
# Installs Debian's Django REST framework SimpleJWT and Django OAuth Toolkit (with Django and DRF) for
# /usr/bin/python3: tests/peers/django_app.py runs them as real servers for the seed examples' tests
# (tests/examples/simplejwt_api_test.ts, tests/examples/password_basic_test.ts).
if /usr/bin/python3 -c 'import rest_framework_simplejwt, oauth2_provider' 2>/dev/null; then
  exit 0
fi
echo "installing python3-djangorestframework-simplejwt and python3-django-oauth-toolkit from Debian" >&2
packages="python3-djangorestframework-simplejwt python3-django-oauth-toolkit"
# shellcheck disable=SC2086
(apt-get install -y $packages || (apt-get update && apt-get install -y $packages)) >&2 ||
  echo "warning: the Django packages could not be installed; the Django tests will report themselves skipped" >&2
exit 0
