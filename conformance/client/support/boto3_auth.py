"""boto3 against a running ampstack sandbox: the Cognito admin API signed with `ampstack
credentials`, and the identity pool (GetId, GetCredentialsForIdentity) for a guest and for a user
signed in with USER_PASSWORD_AUTH. Run by ../auth-awscli.test.mjs with AMPSTACK_OUTPUTS,
AWS_CA_BUNDLE and the admin credentials in the environment; exits non-zero on any mismatch."""
import json
import os
import sys
import time

import boto3
from botocore import UNSIGNED
from botocore.config import Config

outputs = json.load(open(os.environ["AMPSTACK_OUTPUTS"]))
local = outputs["custom"]["ampstack"]
auth = outputs["auth"]
pool_id, client_id, identity_pool_id = auth["user_pool_id"], auth["user_pool_client_id"], auth["identity_pool_id"]
tag = os.environ["TAG"]
region = pool_id.split("_")[0]

admin = boto3.client("cognito-idp", region_name=region, endpoint_url=local["user_pool_endpoint"])
public = boto3.client("cognito-idp", region_name=region, endpoint_url=local["user_pool_endpoint"], config=Config(signature_version=UNSIGNED))
identity = boto3.client("cognito-identity", region_name=region, endpoint_url=local["identity_pool_endpoint"], config=Config(signature_version=UNSIGNED))

email = f"boto.{tag}@example.com"
created = admin.admin_create_user(UserPoolId=pool_id, Username=email, UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}], MessageAction="SUPPRESS")
assert created["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD", created
admin.admin_set_user_password(UserPoolId=pool_id, Username=email, Password="Boto#Pass123", Permanent=True)
admin.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName="ADMINS")
assert [g["GroupName"] for g in admin.admin_list_groups_for_user(UserPoolId=pool_id, Username=email)["Groups"]] == ["ADMINS"]
assert admin.admin_get_user(UserPoolId=pool_id, Username=email)["UserStatus"] == "CONFIRMED"

try:
    public.list_users(UserPoolId=pool_id)
    sys.exit("an unsigned ListUsers was accepted")
except admin.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "MissingAuthenticationTokenException", e.response

# Guest credentials.
guest_id = identity.get_id(IdentityPoolId=identity_pool_id, Logins={})["IdentityId"]
guest = identity.get_credentials_for_identity(IdentityId=guest_id)
assert guest["IdentityId"] == guest_id
creds = guest["Credentials"]
assert creds["AccessKeyId"] and creds["SecretKey"] and creds["SessionToken"], creds
assert creds["Expiration"].timestamp() > time.time() + 1800, creds["Expiration"]

# Signed-in credentials: the Logins key is the id token's issuer without its scheme.
tokens = public.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": "Boto#Pass123"})["AuthenticationResult"]
import base64
claims = json.loads(base64.urlsafe_b64decode(tokens["IdToken"].split(".")[1] + "=="))
assert claims["cognito:groups"] == ["ADMINS"], claims
logins = {claims["iss"].split("://", 1)[1]: tokens["IdToken"]}
user_id = identity.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"]
assert user_id != guest_id
assert identity.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"] == user_id, "stable identity per user"
signed_in = identity.get_credentials_for_identity(IdentityId=user_id, Logins=logins)
assert signed_in["Credentials"]["AccessKeyId"] != creds["AccessKeyId"]
try:
    identity.get_credentials_for_identity(IdentityId=user_id)
    sys.exit("an authenticated identity handed out credentials without its Logins")
except identity.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "NotAuthorizedException", e.response

admin.admin_delete_user(UserPoolId=pool_id, Username=email)
print("boto3 ok")
