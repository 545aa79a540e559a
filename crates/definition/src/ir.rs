//! The typed, validated IR of an Amplify backend: the one source every service reads.
//!
//! It sits at the level of Amplify's directive SDL (`@model`, `@auth`, `@index`, …) with every
//! implicit piece made explicit (inline enums and custom types hoisted, owner fields added,
//! schema-level rules pushed into models), so services never re-derive Amplify's conventions.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;

/// A whole backend (`defineBackend`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Backend {
    pub auth: Option<Auth>,
    pub data: Option<Data>,
    pub storage: Vec<Bucket>,
    pub functions: Vec<Function>,
    /// `backend.addOutput(...)` calls, deep-merged in call order.
    pub custom_outputs: serde_json::Value,
    /// Non-fatal findings (unsupported CDK calls, ...), each with file:line.
    pub warnings: Vec<Diagnostic>,
}

// ----- auth -----------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Auth {
    pub login_with: LoginWith,
    /// Cognito `UsernameAttributes`: `email`, `phone_number`; empty means a free-form username.
    pub username_attributes: Vec<String>,
    pub user_attributes: BTreeMap<String, UserAttribute>,
    pub groups: Vec<String>,
    pub mfa: Mfa,
    pub password_policy: PasswordPolicy,
    /// `EMAIL_ONLY`, `PHONE_ONLY_WITHOUT_MFA`, `PHONE_AND_EMAIL`, `PHONE_WITHOUT_MFA_AND_EMAIL`.
    pub account_recovery: Option<String>,
    pub allow_unauthenticated_identities: bool,
    /// Cognito trigger name (preSignUp, postConfirmation, ...) → function name.
    pub triggers: BTreeMap<String, String>,
    /// Function name → admin actions granted through `access`.
    pub access: BTreeMap<String, Vec<String>>,
    /// Login-with settings we keep but do not interpret yet (externalProviders, senders).
    pub extra: serde_json::Value,
    /// Device tracking (`cfnUserPool.deviceConfiguration` escape hatch); `None` = off, Amplify's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_tracking: Option<DeviceTracking>,
    /// `LambdaConfig.PreTokenGenerationConfig.LambdaVersion` (`V1_0`, `V2_0`, `V3_0`) from the
    /// `cfnUserPool` escape hatch; `None` = V1_0, Amplify's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_token_generation_version: Option<String>,
}

/// Cognito `DeviceConfiguration`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeviceTracking {
    /// `ChallengeRequiredOnNewDevice`: recorded; locally only a remembered device ever skips MFA,
    /// so a new device is always challenged whatever this says.
    pub challenge_required_on_new_device: bool,
    /// `DeviceOnlyRememberedOnUserPrompt`: devices start `not_remembered` until the app calls
    /// `rememberDevice` (UpdateDeviceStatus); otherwise every confirmed device is remembered.
    pub device_only_remembered_on_user_prompt: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LoginWith {
    pub email: bool,
    pub phone: bool,
    /// Verification email/SMS customisation as written (`{ verificationEmailStyle, ... }`).
    pub email_settings: Option<serde_json::Value>,
    pub phone_settings: Option<serde_json::Value>,
    pub external_providers: Option<serde_json::Value>,
}

impl LoginWith {
    /// `loginWith.email.otpLogin`: passwordless EMAIL_OTP is an allowed first factor (USER_AUTH).
    pub fn email_otp_login(&self) -> bool {
        otp_login(&self.email_settings)
    }

    /// `loginWith.phone.otpLogin`: passwordless SMS_OTP is an allowed first factor (USER_AUTH).
    pub fn phone_otp_login(&self) -> bool {
        otp_login(&self.phone_settings)
    }
}

fn otp_login(settings: &Option<serde_json::Value>) -> bool {
    settings.as_ref().and_then(|s| s.get("otpLogin")).and_then(serde_json::Value::as_bool).unwrap_or(false)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct UserAttribute {
    /// Cognito attribute name (`email`, `preferred_username`, `custom:tenant`).
    pub name: String,
    pub required: bool,
    pub mutable: bool,
    /// `String`, `Number`, `Boolean`, `DateTime` (custom attributes).
    pub data_type: String,
    pub min_len: Option<u32>,
    pub max_len: Option<u32>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum MfaMode {
    Off,
    Optional,
    Required,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Mfa {
    pub mode: MfaMode,
    pub totp: bool,
    pub sms: bool,
    pub email: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PasswordPolicy {
    pub min_length: u32,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
}

impl Default for PasswordPolicy {
    /// Amplify Gen 2's defaults when the project sets none.
    fn default() -> Self {
        PasswordPolicy { min_length: 8, require_lowercase: true, require_uppercase: true, require_numbers: true, require_symbols: true }
    }
}

// ----- data -----------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Data {
    pub name: String,
    pub authorization_modes: AuthorizationModes,
    pub schema: Schema,
    /// Data sources added in `backend.ts` for custom handlers (`backend.data.addDynamoDbDataSource`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_sources: Vec<DataSource>,
}

/// A named data source that `a.handler.custom({ dataSource: 'name' })` can use.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DataSource {
    pub name: String,
    #[serde(flatten)]
    pub kind: DataSourceKind,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DataSourceKind {
    /// A DynamoDB table outside the schema; its key attributes when the CDK code declares them
    /// (`new Table(..., { partitionKey, sortKey })`), else none (`Table.fromTableName`).
    DynamoDb { table: String, partition_key: Option<String>, sort_key: Option<String> },
    /// `addNoneDataSource(name)`.
    None,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub enum AuthProvider {
    ApiKey,
    /// Identity pool credentials, SigV4 (AppSync `AWS_IAM`).
    Iam,
    UserPools,
    Oidc,
    Function,
}

impl AuthProvider {
    /// The AppSync authentication type name (`API_KEY`, ...).
    pub fn appsync_name(self) -> &'static str {
        match self {
            AuthProvider::ApiKey => "API_KEY",
            AuthProvider::Iam => "AWS_IAM",
            AuthProvider::UserPools => "AMAZON_COGNITO_USER_POOLS",
            AuthProvider::Oidc => "OPENID_CONNECT",
            AuthProvider::Function => "AWS_LAMBDA",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuthorizationModes {
    pub default: AuthProvider,
    pub api_key_expires_in_days: u32,
    pub api_key_description: Option<String>,
    pub lambda: Option<LambdaAuthorizer>,
    pub oidc: Option<OidcProvider>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LambdaAuthorizer {
    pub function: String,
    pub ttl_seconds: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OidcProvider {
    pub name: String,
    pub issuer_url: String,
    pub client_id: Option<String>,
    pub auth_ttl_seconds: Option<u64>,
    pub iat_ttl_seconds: Option<u64>,
}

/// The GraphQL schema at directive level, with Amplify's implicit parts made explicit.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Schema {
    pub models: Vec<Model>,
    pub custom_types: Vec<CustomType>,
    pub enums: Vec<EnumType>,
    pub queries: Vec<CustomOperation>,
    pub mutations: Vec<CustomOperation>,
    pub subscriptions: Vec<CustomOperation>,
    /// `allow.resource(fn)` at schema level: which functions may call the API, and how.
    pub function_access: Vec<FunctionAccess>,
    /// The schema was written as Gen 1 SDL rather than with the `a` builder.
    pub from_sdl: bool,
}

impl Schema {
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.name == name)
    }
    pub fn enum_type(&self, name: &str) -> Option<&EnumType> {
        self.enums.iter().find(|e| e.name == name)
    }
    pub fn custom_type(&self, name: &str) -> Option<&CustomType> {
        self.custom_types.iter().find(|t| t.name == name)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Model {
    pub name: String,
    /// Fields as declared, relationship fields included, implicit fields (id, owner fields,
    /// createdAt/updatedAt) included and marked.
    pub fields: Vec<Field>,
    /// Partition key field then sort key fields (`.identifier([...])`, default `["id"]`).
    pub primary_key: Vec<String>,
    /// The schema marks the key field itself (`@primaryKey`); false for the implicit `id`.
    pub primary_key_declared: bool,
    pub indexes: Vec<SecondaryIndex>,
    /// Effective model-level rules (schema-level rules applied when the model has none).
    pub auth: Vec<AuthRule>,
    /// `disableOperations([...])` as written (`mutations`, `subscriptions`, `queries`, `list`, ...).
    pub disabled_operations: Vec<String>,
    /// When created by `renameModels`, the SQL table's original name.
    pub original_name: Option<String>,
    /// Whether timestamp fields are managed (not for SQL models or `@model(timestamps: null)`).
    pub timestamps: bool,
    /// Gen 1 `@model(...)` arguments exactly as written (queries/mutations/subscriptions/timestamps);
    /// their effects are already applied to `fields` and `disabled_operations`.
    pub model_args: Option<serde_json::Value>,
    /// Where the model lives: `dynamodb` (Amplify-managed tables) or an existing SQL database
    /// (`mysql`, `postgresql`) from `a.configure({ database })`.
    pub database: String,
}

impl Model {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Field {
    pub name: String,
    pub ty: TypeRef,
    pub relationship: Option<Relationship>,
    /// `.default(value)` as a JSON value.
    pub default: Option<serde_json::Value>,
    /// Field-level rules; when set they replace the model's rules for this field.
    pub auth: Option<Vec<AuthRule>>,
    /// Where the field came from (declared, or added by Amplify's conventions).
    pub origin: FieldOrigin,
    pub validation: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum FieldOrigin {
    Declared,
    /// The default `id: ID!` primary key.
    ImplicitId,
    /// An owner or group field implied by an auth rule.
    ImplicitAuth,
    /// `createdAt` / `updatedAt`, set by the server.
    Timestamp,
}

/// A GraphQL type reference: base type, nullability, list-ness.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TypeRef {
    pub base: BaseType,
    /// The value (or each element of a list) is non-null.
    pub required: bool,
    pub list: bool,
    /// The list itself is non-null.
    pub list_required: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", content = "name", rename_all = "camelCase")]
pub enum BaseType {
    Scalar(Scalar),
    Enum(String),
    CustomType(String),
    Model(String),
}

impl BaseType {
    /// The GraphQL type name.
    pub fn name(&self) -> &str {
        match self {
            BaseType::Scalar(s) => s.graphql_name(),
            BaseType::Enum(n) | BaseType::CustomType(n) | BaseType::Model(n) => n,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub enum Scalar {
    ID,
    String,
    Int,
    Float,
    Boolean,
    AWSDate,
    AWSTime,
    AWSDateTime,
    AWSTimestamp,
    AWSEmail,
    AWSJSON,
    AWSPhone,
    AWSURL,
    AWSIPAddress,
}

impl Scalar {
    pub const ALL: [Scalar; 14] = [
        Scalar::ID, Scalar::String, Scalar::Int, Scalar::Float, Scalar::Boolean, Scalar::AWSDate, Scalar::AWSTime,
        Scalar::AWSDateTime, Scalar::AWSTimestamp, Scalar::AWSEmail, Scalar::AWSJSON, Scalar::AWSPhone, Scalar::AWSURL,
        Scalar::AWSIPAddress,
    ];

    pub fn graphql_name(self) -> &'static str {
        match self {
            Scalar::ID => "ID",
            Scalar::String => "String",
            Scalar::Int => "Int",
            Scalar::Float => "Float",
            Scalar::Boolean => "Boolean",
            Scalar::AWSDate => "AWSDate",
            Scalar::AWSTime => "AWSTime",
            Scalar::AWSDateTime => "AWSDateTime",
            Scalar::AWSTimestamp => "AWSTimestamp",
            Scalar::AWSEmail => "AWSEmail",
            Scalar::AWSJSON => "AWSJSON",
            Scalar::AWSPhone => "AWSPhone",
            Scalar::AWSURL => "AWSURL",
            Scalar::AWSIPAddress => "AWSIPAddress",
        }
    }

    pub fn from_name(name: &str) -> Option<Scalar> {
        Scalar::ALL.into_iter().find(|s| s.graphql_name() == name)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum RelationshipKind {
    HasMany,
    HasOne,
    BelongsTo,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Relationship {
    pub kind: RelationshipKind,
    pub related_model: String,
    /// The reference fields: on the child for hasMany/hasOne, on this model for belongsTo.
    pub references: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SecondaryIndex {
    pub name: String,
    pub partition_key: String,
    pub sort_keys: Vec<String>,
    /// The generated query field, or none when `queryField(null)`.
    pub query_field: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum AuthStrategy {
    Public,
    Private,
    Owner,
    Groups,
    Custom,
}

/// One `@auth` rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuthRule {
    pub strategy: AuthStrategy,
    pub provider: AuthProvider,
    /// The provider exactly as the definition wrote it (`userPools`, `identityPool`, `iam`, …),
    /// or none when it was left to the default; generated artefacts distinguish the two.
    pub provider_written: Option<String>,
    /// Operations as written (`create`, `read`, `get`, ...); none means all.
    pub operations: Option<Vec<String>>,
    /// Owner field (owner strategy) or groups field (dynamic groups).
    pub field: Option<String>,
    /// The owner/groups field holds a list (`ownersDefinedIn`, `groupsDefinedIn`).
    pub multi: bool,
    /// Static groups.
    pub groups: Vec<String>,
    pub identity_claim: Option<String>,
    pub group_claim: Option<String>,
}

impl AuthRule {
    /// The owner claim Amplify uses when none is given: `sub::username` for user pools.
    pub fn effective_identity_claim(&self) -> &str {
        self.identity_claim.as_deref().unwrap_or(match self.provider {
            AuthProvider::Oidc => "sub",
            _ => "sub::username",
        })
    }

    pub fn effective_group_claim(&self) -> &str {
        self.group_claim.as_deref().unwrap_or("cognito:groups")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CustomType {
    pub name: String,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EnumType {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum OperationKind {
    Query,
    Mutation,
    Subscription,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Argument {
    pub name: String,
    pub ty: TypeRef,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CustomOperation {
    pub name: String,
    pub kind: OperationKind,
    pub arguments: Vec<Argument>,
    pub returns: TypeRef,
    pub auth: Vec<AuthRule>,
    pub handlers: Vec<Handler>,
    /// Custom subscriptions: the mutations (custom or `Model.create`-style) they listen to.
    pub subscription_sources: Vec<String>,
    /// No `.returns()` was given: the type is the first source's (custom subscriptions).
    pub returns_inferred: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Handler {
    /// `a.handler.function(fn)`; `asynchronous` for `.async()` (returns EventInvocationResponse).
    Function { function: String, asynchronous: bool },
    /// `a.handler.custom({ entry, dataSource })`: an AppSync JS resolver file.
    Custom { entry: Option<PathBuf>, data_source: Option<String> },
    InlineSql { sql: String },
    SqlReference { path: PathBuf },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FunctionAccess {
    pub function: String,
    /// `query`, `mutate`, `listen`.
    pub operations: Vec<String>,
}

// ----- storage --------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Bucket {
    /// The friendly name from `defineStorage({ name })`.
    pub name: String,
    pub is_default: bool,
    /// Path pattern (`media/{entity_id}/*`) → rules, in declaration order.
    pub access: Vec<PathAccess>,
    /// `onUpload` / `onDelete` → function name.
    pub triggers: BTreeMap<String, String>,
    /// Extra notifications from `bucket.addEventNotification(...)`.
    pub notifications: Vec<BucketNotification>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PathAccess {
    pub path: String,
    pub rules: Vec<StorageRule>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum StorageGrantee {
    Guest,
    Authenticated,
    Groups { groups: Vec<String> },
    /// `allow.entity('identity')`: the caller's identity id fills `{entity_id}`.
    Entity { entity: String },
    Resource { function: String },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StorageRule {
    pub grantee: StorageGrantee,
    /// `read` (= get + list), `get`, `list`, `write`, `delete`.
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BucketNotification {
    /// S3 event type, e.g. `s3:ObjectCreated:Put`.
    pub event: String,
    pub function: Option<String>,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
}

// ----- functions ------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Function {
    pub name: String,
    /// The handler source file (default `handler.ts` next to the resource file).
    pub entry: PathBuf,
    pub timeout_seconds: u32,
    pub memory_mb: u32,
    pub runtime: Option<serde_json::Value>,
    /// Environment variables; secrets are kept as `Secret` references.
    pub environment: BTreeMap<String, EnvValue>,
    /// Cron or rate expressions (`every 5m`, `0 9 * * ? *`).
    pub schedules: Vec<String>,
    pub resource_group: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum EnvValue {
    Plain(String),
    Secret(String),
}
