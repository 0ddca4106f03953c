# Compile dist\MiningPlanner-VERSION-windows-setup.exe from dist\MiningPlanner with Inno Setup
# 6.3 or later (7 too): ISCC.exe is looked up where Inno Setup recorded its folder, on PATH and
# in its usual folders, and only if none is there is Inno Setup installed with Chocolatey.
# With -Sign, Inno Setup signs the uninstaller and setup.exe itself with sign.ps1.
#   pwsh -File packaging\windows\build-installer.ps1 -Version 1.2.3 -NumericVersion 1.2.3 [-Sign]
param(
    [Parameter(Mandatory)] [string] $Version,
    [Parameter(Mandatory)] [string] $NumericVersion,
    [switch] $Sign
)
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $true
$root = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '..\..')).Path

function Find-Iscc {
    # Inno Setup's uninstall key holds its folder (per machine or per user, 32- or 64-bit view).
    $hives = @(
        'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall',
        'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall',
        'HKCU:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall'
    )
    $found = @(foreach ($hive in $hives) {
        Get-ChildItem -LiteralPath $hive -ErrorAction SilentlyContinue |
            Where-Object { $_.PSChildName -match '^Inno Setup \d+_is1$' } |
            ForEach-Object { Get-ItemProperty -LiteralPath $_.PSPath } |
            Where-Object { $_.InstallLocation } |
            ForEach-Object { Join-Path $_.InstallLocation 'ISCC.exe' }
    })
    $command = Get-Command ISCC.exe -ErrorAction SilentlyContinue
    if ($command) { $found += $command.Source }
    $bases = @($env:ProgramFiles, ${env:ProgramFiles(x86)}, (Join-Path $env:LOCALAPPDATA 'Programs')) |
        Where-Object { $_ }
    foreach ($base in $bases) {
        foreach ($major in 7, 6) { $found += Join-Path $base "Inno Setup $major\ISCC.exe" }
    }
    return $found | Where-Object { $_ -and (Test-Path -LiteralPath $_) } | Select-Object -First 1
}

$iscc = Find-Iscc
if (-not $iscc) {
    Write-Host 'build-installer: no Inno Setup found, installing it with Chocolatey'
    choco install innosetup --no-progress -y
    if ($LASTEXITCODE -ne 0) { throw "build-installer: choco install innosetup exited $LASTEXITCODE" }
    $iscc = Find-Iscc
}
if (-not $iscc) { throw 'build-installer: ISCC.exe not found' }
$isccVersion = [version]((Get-Item -LiteralPath $iscc).VersionInfo.FileVersion -replace '[^\d.].*$', '')
Write-Host "build-installer: $iscc (Inno Setup $isccVersion)"
if ($isccVersion -lt [version]'6.3') {
    throw "build-installer: Inno Setup $isccVersion is older than 6.3 (x64compatible)"
}

$arguments = @("/DAppVersion=$Version", "/DFileVersion=$NumericVersion")
if ($Sign) {
    # ISCC puts a quote for $q and the quoted file to sign for $f.
    $signScript = Join-Path $PSScriptRoot 'sign.ps1'
    $arguments += '/DSign'
    $arguments += ('/Ssigntool=pwsh -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $q' + $signScript + '$q $f')
}
$arguments += (Join-Path $PSScriptRoot 'installer.iss')
& $iscc @arguments
if ($LASTEXITCODE -ne 0) { throw "build-installer: ISCC exited $LASTEXITCODE" }

$setup = Join-Path $root "dist\MiningPlanner-$Version-windows-setup.exe"
if (-not (Test-Path -LiteralPath $setup)) { throw "build-installer: $setup was not written" }
$info = (Get-Item -LiteralPath $setup).VersionInfo
Write-Host "build-installer: $setup, $((Get-Item -LiteralPath $setup).Length) bytes, version $($info.ProductVersion)"
if ($info.ProductVersion -ne $Version) {
    throw "build-installer: setup.exe's product version is '$($info.ProductVersion)', not $Version"
}
if ($Sign) {
    $signature = Get-AuthenticodeSignature -LiteralPath $setup
    if ($signature.Status -ne 'Valid') { throw "build-installer: setup.exe is not signed: $($signature.Status)" }
}
exit 0
