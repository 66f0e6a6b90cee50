"""boto3 sessions for many AWS profiles, with the AWS config and credentials files parsed once.

cross-account-audit reads each account with its own profile (``--profile-for ACCOUNT=PROFILE``): a
``boto3.Session(profile_name=...)`` per account parses both files again, so the time grew with the
square of the accounts. No pulumi here.
"""

from __future__ import annotations

from typing import Any


class ProfileSessions:
    """boto3 sessions for many --profile-for profiles that read the AWS config and credentials files
    once. A boto3.Session per profile parses both files again (and the credential chain the credentials
    file once more): with a profile per account, 1,000 accounts parsed a file of 1,000 profiles 3,000
    times. Here each session is given the files' parsed contents; botocore's credential chain is kept
    (role_arn, credential_process, SSO and static keys resolve as they would), its two file readers
    fed the same parsed contents."""

    def __init__(self, boto3: Any) -> None:
        import botocore.configloader  # type: ignore[import-untyped]
        import botocore.credentials  # type: ignore[import-untyped]
        import botocore.exceptions  # type: ignore[import-untyped]
        import botocore.session  # type: ignore[import-untyped]

        self.boto3 = boto3
        self.credentials_module = botocore.credentials
        self.errors = botocore.exceptions
        base = botocore.session.Session()
        self.config_file = base.get_config_variable("config_file")
        self.credentials_file = base.get_config_variable("credentials_file")
        self.full_config = base.full_config
        try:
            self.loaded_config = botocore.configloader.load_config(self.config_file)
        except botocore.exceptions.ConfigNotFound:
            self.loaded_config = {"profiles": {}}
        try:
            self.raw_credentials = botocore.configloader.raw_config_parse(self.credentials_file)
        except botocore.exceptions.ConfigNotFound:
            self.raw_credentials = {}
        full_config = self.full_config

        class Shared(botocore.session.Session):  # type: ignore[misc]
            @property
            def full_config(self) -> Any:
                return full_config

        self.session_class = Shared

    def session(self, profile: str) -> Any:
        """A boto3 session of ``profile``; ProfileNotFound when the files have no such profile."""
        if profile not in self.full_config.get("profiles", {}):
            raise self.errors.ProfileNotFound(profile=profile)
        core = self.session_class(profile=profile)
        credentials = self.credentials_module
        resolver = credentials.create_credential_resolver(core)
        for index, provider in enumerate(resolver.providers):
            if provider.METHOD == credentials.SharedCredentialProvider.METHOD:
                resolver.providers[index] = credentials.SharedCredentialProvider(
                    self.credentials_file, profile, ini_parser=lambda _: self.raw_credentials
                )
            elif provider.METHOD == credentials.ConfigProvider.METHOD:
                resolver.providers[index] = credentials.ConfigProvider(
                    self.config_file, profile, config_parser=lambda _: self.loaded_config
                )
        core.register_component("credential_provider", resolver)
        return self.boto3.Session(botocore_session=core, profile_name=profile)
