# Install dist\*-setup.exe as a user would (per user, silently, with the PATH task), run the
# installed console twin, read the .mplan association and the PATH entry back from HKCU, then
# uninstall silently and check that all three are gone.
#   pwsh -File packaging\windows\smoke-installer.ps1 -Sample samples\sample_project.json [-Signed]
param(
    [Parameter(Mandatory)] [string] $Sample,
    [switch] $Signed
)
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $true
[Console]::OutputEncoding = [Text.Encoding]::UTF8
$root = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '..\..')).Path
$sample = (Resolve-Path -LiteralPath $Sample).Path
$appId = '{6F2B7C1E-4A53-4C2D-9E8B-2B8F5D3A9C41}_is1'
$uninstallKey = "HKCU:\Software\Microsoft\Windows\CurrentVersion\Uninstall\$appId"

function Get-UserPath {
    return (Get-ItemProperty -LiteralPath 'HKCU:\Environment' -Name Path -ErrorAction SilentlyContinue).Path
}

$setup = @(Get-ChildItem -Path (Join-Path $root 'dist\*-setup.exe'))
if ($setup.Count -ne 1) { throw "smoke-installer: expected one setup.exe in dist, found $($setup.Count)" }
$log = Join-Path $env:RUNNER_TEMP 'setup.log'
$process = Start-Process -FilePath $setup[0].FullName -Wait -PassThru -ArgumentList @(
    '/VERYSILENT', '/SUPPRESSMSGBOXES', '/CURRENTUSER', '/NORESTART', '/TASKS=addtopath', "/LOG=`"$log`""
)
if ($process.ExitCode -ne 0) {
    Get-Content -LiteralPath $log
    throw "smoke-installer: setup exited $($process.ExitCode)"
}
$installed = Get-ItemProperty -LiteralPath $uninstallKey
$dir = $installed.InstallLocation.TrimEnd('\')
Write-Host "smoke-installer: installed in $dir"
if (-not $dir.StartsWith($env:LOCALAPPDATA, [StringComparison]::OrdinalIgnoreCase)) { throw "smoke-installer: not a per-user install: $dir" }

foreach ($exe in 'MiningPlanner.exe', 'mining-planner.exe', 'unins000.exe') {
    $path = Join-Path $dir $exe
    if (-not (Test-Path -LiteralPath $path)) { throw "smoke-installer: $path missing" }
    if ($Signed) {
        $signature = Get-AuthenticodeSignature -LiteralPath $path
        if ($signature.Status -ne 'Valid') { throw "smoke-installer: $exe is not signed: $($signature.Status)" }
    }
    Write-Host "smoke-installer: $exe version $((Get-Item -LiteralPath $path).VersionInfo.ProductVersion)"
}

$work = Join-Path $env:RUNNER_TEMP 'planner-data'
$env:PLANNER_DATA_DIR = $work
$env:QT_QPA_PLATFORM = 'offscreen'
$output = & (Join-Path $dir 'mining-planner.exe') report $sample --json
if ($LASTEXITCODE -ne 0) { throw "smoke-installer: report --json exited $LASTEXITCODE" }
$report = ($output -join "`n") | ConvertFrom-Json
if ($report.fleet.rigs -le 0) { throw 'smoke-installer: the installed report is empty' }
Write-Host "smoke-installer: report --json from the installed console twin: $($report.fleet.rigs) rigs"

$association = (Get-ItemProperty -LiteralPath 'HKCU:\Software\Classes\.mplan').'(default)'
if ($association -ne 'MiningPlanner.Project') { throw "smoke-installer: .mplan is '$association'" }
$open = (Get-ItemProperty -LiteralPath 'HKCU:\Software\Classes\MiningPlanner.Project\shell\open\command').'(default)'
if ($open -ne "`"$dir\MiningPlanner.exe`" `"%1`"") { throw "smoke-installer: the open command is '$open'" }
if (-not ((Get-UserPath) -split ';' -contains $dir)) { throw "smoke-installer: $dir is not on the user's PATH" }
Write-Host "smoke-installer: .mplan opens with $open; $dir is on the user's PATH"

$uninstaller = $installed.UninstallString.Trim('"')
$process = Start-Process -FilePath $uninstaller -Wait -PassThru -ArgumentList '/VERYSILENT', '/SUPPRESSMSGBOXES', '/NORESTART'
if ($process.ExitCode -ne 0) { throw "smoke-installer: the uninstaller exited $($process.ExitCode)" }
# The uninstaller finishes from a copy of itself in the temporary folder: wait for it.
$deadline = (Get-Date).AddSeconds(120)
while ((Test-Path -LiteralPath $uninstallKey) -or (Test-Path -LiteralPath (Join-Path $dir 'MiningPlanner.exe'))) {
    if ((Get-Date) -gt $deadline) { throw 'smoke-installer: the uninstaller left the app behind' }
    Start-Sleep -Seconds 2
}
if (Test-Path -LiteralPath 'HKCU:\Software\Classes\MiningPlanner.Project') { throw 'smoke-installer: the association is left' }
if ((Get-UserPath) -split ';' -contains $dir) { throw 'smoke-installer: the PATH entry is left' }
Write-Host 'smoke-installer: uninstalled cleanly'
exit 0
