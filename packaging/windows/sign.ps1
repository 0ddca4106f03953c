# Sign files with Azure Artifact Signing (formerly Trusted Signing) through Microsoft's
# TrustedSigning PowerShell module, which drives signtool with the service's client library:
# the key stays in Microsoft's HSM, no certificate file exists on the runner.
#   pwsh -File packaging\windows\sign.ps1 FILE...
# Reads ARTIFACT_SIGNING_ENDPOINT, ARTIFACT_SIGNING_ACCOUNT and ARTIFACT_SIGNING_PROFILE, and
# signs in with AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (DefaultAzureCredential).
# Used by .github/workflows/release.yml for both executables, and by Inno Setup (the SignTool
# that build-installer.ps1 defines) for the uninstaller and setup.exe.
param(
    [Parameter(Mandatory, ValueFromRemainingArguments)]
    [string[]] $Files
)
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $true

foreach ($name in 'ARTIFACT_SIGNING_ENDPOINT', 'ARTIFACT_SIGNING_ACCOUNT', 'ARTIFACT_SIGNING_PROFILE') {
    if (-not [Environment]::GetEnvironmentVariable($name)) {
        throw "sign.ps1: $name is not set"
    }
}
$paths = @($Files | ForEach-Object { (Resolve-Path -LiteralPath $_).Path })
Import-Module TrustedSigning
$params = @{
    Endpoint               = $env:ARTIFACT_SIGNING_ENDPOINT
    CodeSigningAccountName = $env:ARTIFACT_SIGNING_ACCOUNT
    CertificateProfileName = $env:ARTIFACT_SIGNING_PROFILE
    Files                  = ($paths -join ',')
    FileDigest             = 'SHA256'
    TimestampRfc3161       = 'http://timestamp.acs.microsoft.com'
    TimestampDigest        = 'SHA256'
    Description            = 'Mining Planner'
}
Invoke-TrustedSigning @params
# Whatever the module reported, each file must now carry a valid, timestamped signature.
foreach ($path in $paths) {
    $signature = Get-AuthenticodeSignature -LiteralPath $path
    if ($signature.Status -ne 'Valid' -or -not $signature.TimeStamperCertificate) {
        throw "sign.ps1: $path is not signed and timestamped: $($signature.Status) $($signature.StatusMessage)"
    }
    Write-Host "sign.ps1: signed $path ($($signature.SignerCertificate.Subject))"
}
exit 0
