; Inno Setup script: a per-user installer for the PyInstaller folder dist\MiningPlanner.
; Built by .github/workflows/release.yml on windows-latest:
;   iscc /DAppVersion=1.2.3 /DSourceDir=..\..\dist\MiningPlanner packaging\windows\installer.iss
; No admin rights: installs under %LOCALAPPDATA%\Programs, registers .mplan for the user.

#ifndef AppVersion
  #define AppVersion "0.0.0"
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
ArchitecturesInstallIn64BitMode=x64compatible

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

[Run]
Filename: "{app}\MiningPlanner.exe"; Description: "Open Mining Planner"; Flags: nowait postinstall skipifsilent
