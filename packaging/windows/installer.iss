; Inno Setup script (6.3 or later): a per-user installer for the PyInstaller folder
; dist\MiningPlanner. Built by packaging\windows\build-installer.ps1 in
; .github/workflows/release.yml, in effect:
;   iscc /DAppVersion=1.2.3 /DFileVersion=1.2.3 [/DSign "/Ssigntool=..."] packaging\windows\installer.iss
; No admin rights: installs under %LOCALAPPDATA%\Programs, registers .mplan for the user, and
; on request puts the folder (with the console twin mining-planner.exe) on the user's PATH.
; With /DSign, Inno Setup signs the uninstaller and setup.exe with the SignTool named
; "signtool", which the ISCC command line defines (/S); both executables are signed before.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
; Windows version resources: up to four numbers (1.2.3rc1 -> 1.2.3).
#ifndef FileVersion
  #define FileVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\MiningPlanner"
#endif

[Setup]
AppId={{6F2B7C1E-4A53-4C2D-9E8B-2B8F5D3A9C41}
AppName=Mining Planner
AppVersion={#AppVersion}
AppPublisher=Mining Planner
DefaultDirName={autopf}\Mining Planner
DefaultGroupName=Mining Planner
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputDir=..\..\dist
OutputBaseFilename=MiningPlanner-{#AppVersion}-windows-setup
SetupIconFile=..\icons\planner.ico
UninstallDisplayIcon={app}\MiningPlanner.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes
; The PATH task edits HKCU\Environment: tell Explorer to reload it.
ChangesEnvironment=yes
; 64-bit only (the bundle is x64; it also runs on Arm64 Windows through emulation), and
; Windows 10 1809 or later, the oldest Qt 6 supports.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.17763
; The version resource of setup.exe.
VersionInfoVersion={#FileVersion}
VersionInfoProductVersion={#FileVersion}
VersionInfoTextVersion={#AppVersion}
VersionInfoProductTextVersion={#AppVersion}
VersionInfoProductName=Mining Planner
VersionInfoDescription=Mining Planner Setup
VersionInfoCompany=Mining Planner
VersionInfoCopyright=Mining Planner
#ifdef Sign
SignTool=signtool
SignedUninstaller=yes
#endif

[Tasks]
Name: "addtopath"; Description: "Add the command line (mining-planner) to my PATH"; GroupDescription: "Command line:"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the bundle's internals whole: no stale library of the old version stays.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Mining Planner"; Filename: "{app}\MiningPlanner.exe"
Name: "{group}\Uninstall Mining Planner"; Filename: "{uninstallexe}"

[Registry]
; Per-user file association (HKCU through HKA when installed without admin rights).
Root: HKA; Subkey: "Software\Classes\.mplan"; ValueType: string; ValueName: ""; ValueData: "MiningPlanner.Project"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\MiningPlanner.Project"; ValueType: string; ValueName: ""; ValueData: "Mining planner project"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\MiningPlanner.Project\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\MiningPlanner.exe,0"
Root: HKA; Subkey: "Software\Classes\MiningPlanner.Project\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\MiningPlanner.exe"" ""%1"""
; The optional PATH entry, once (NeedsAddPath); the uninstaller takes it out ([Code]).
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\MiningPlanner.exe"; Description: "Open Mining Planner"; Flags: nowait postinstall skipifsilent

[Code]
const
  EnvironmentKey = 'Environment';

{ True when Dir is not yet an entry of the user's PATH (compared without case). }
function NeedsAddPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, EnvironmentKey, 'Path', Path) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;

{ Take Dir out of the user's PATH, with the separator before it (or after it when first). }
procedure RemovePath(Dir: string);
var
  Path: string;
  P: Integer;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, EnvironmentKey, 'Path', Path) then
    exit;
  P := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';');
  if P = 0 then
    exit;
  if P > 1 then
    Delete(Path, P - 1, Length(Dir) + 1)
  else
    Delete(Path, 1, Length(Dir) + 1);
  RegWriteExpandStringValue(HKEY_CURRENT_USER, EnvironmentKey, 'Path', Path);
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usUninstall then
    RemovePath(ExpandConstant('{app}'));
end;
